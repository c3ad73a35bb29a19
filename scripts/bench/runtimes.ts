/**
 * How each variant runs. Compiled: as upstream ships itself, plain JavaScript
 * that `node` loads with no loader in between — tsc compiles the benchmark
 * server and the micro-benchmarks (and with them `src/` and the experiments
 * they import) into a temporary folder, with `tsconfig.compiled.json`, and
 * they run there under plain `node`. Through tsx: the TypeScript files
 * themselves, under `node --import tsx`, as the chapters run them.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import type { MicroRun } from './micro.js'
import type { VariantSpec } from './report.js'
import type { ServerReady } from './server.js'

/** A compiled copy of the benchmark, in its own temporary folder. */
export interface Compiled {
  /** The folder; it mirrors the repository's layout (`src/`, `scripts/bench/`). */
  dir: string
  /** Where a file of the repository went, compiled: `scripts/bench/server.ts` → `<dir>/scripts/bench/server.js`. */
  file(relative: string): string
  /** Delete the folder. */
  remove(): void
}

/** Compile with tsc into a new folder under the system's temporary directory. */
export function compile(root: string): Compiled {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'session-bench-'))
  const remove = () => fs.rmSync(dir, { recursive: true, force: true })
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const config = path.join(root, 'scripts/bench/tsconfig.compiled.json')
  const result = spawnSync(process.execPath, [tsc, '-p', config, '--outDir', dir], { encoding: 'utf8' })
  if (result.status !== 0) {
    remove()
    throw new Error(`tsc could not compile the benchmark:\n${result.stdout}${result.stderr}`)
  }
  // the output is ECMAScript modules, as the repository's own package.json says of its files;
  // the packages are the repository's, reached through a link
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  return {
    dir,
    file: (relative) => path.join(dir, relative.replace(/\.ts$/, '.js')),
    remove
  }
}

/** Run the compiled micro-benchmarks in a plain `node` process and collect what they measured. */
export function runMicro(compiled: Compiled): Promise<MicroRun> {
  const child = fork(compiled.file('scripts/bench/micro.ts'), [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  return new Promise((resolve, reject) => {
    child.once('message', (run: MicroRun) => resolve(run))
    child.once('exit', (code) => reject(new Error(`the micro-benchmarks exited with ${code} before reporting`)))
  })
}

/** A running benchmark server. */
export interface Server {
  child: ChildProcess
  url: string
  /** What the server reported about itself once it listened. */
  ready: ServerReady
}

/**
 * Start one variant's server as a child process; resolve once it listens and
 * has shown that it runs the way the variant says (reject otherwise).
 *
 * @param root - the repository, where the tsx variant's server is
 * @param compiled - the compiled copy, where the node variant's server is
 */
export function startServer(variant: VariantSpec, root: string, compiled: Compiled): Promise<Server> {
  const [file, execArgv] =
    variant.runtime === 'node'
      ? [compiled.file('scripts/bench/server.ts'), []]
      : [path.join(root, 'scripts/bench/server.ts'), ['--import', 'tsx']]
  const child = fork(file, [variant.module], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('message', (ready: ServerReady) => {
      const problem = runtimeProblem(variant, ready)
      if (problem) {
        child.kill()
        reject(new Error(`${variant.label}: ${problem}`))
      } else resolve({ child, url: `http://127.0.0.1:${ready.port}`, ready })
    })
    child.once('exit', (code) => reject(new Error(`the ${variant.label} server exited with ${code}`)))
  })
}

/** Why a server does not run the way its variant says, or `undefined` when it does. */
export function runtimeProblem(variant: VariantSpec, ready: ServerReady): string | undefined {
  if (variant.runtime === 'node' && (ready.keepNames || ready.sourceMaps))
    return 'meant to run as plain JavaScript, but a loader transformed it or turned source maps on'
  if (variant.runtime === 'tsx' && !(ready.sourceMaps && (ready.keepNames || variant.module === 'bare')))
    return 'meant to run through tsx, but its code shows no keepNames or source maps are off'
  return undefined
}
