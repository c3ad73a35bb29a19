/**
 * `npm run test:consumer`: the package as an application meets it. Builds
 * and packs it, installs the tarball into a fresh app in a temporary folder
 * twice — as `express-session` (an npm alias) and under its own name —
 * beside express, @types/express, @types/node and typescript from the
 * registry (through npm's cache, at the versions this repository uses), then
 * runs the fixture app in consumer/ against it:
 *
 * 1. check-require.cjs and check-import.mjs: plain `node` requires and
 *    imports every public module under both names, one copy of each class;
 *    the Redis store loads without the redis package;
 * 2. connect-redis 9 installs beside it with no flags (no ERESOLVE), and
 *    `npm ls` finds the tree valid;
 * 3. strict `tsc` (consumer/tsconfig.app.json) compiles the app's TypeScript;
 * 4. the compiled CommonJS file runs; the compiled app serves sessions on
 *    127.0.0.1 (check-serve.ts); connect-redis's store is built on the
 *    package's `Store` (check-connect-redis.ts).
 *
 * The temporary folder is removed afterwards, or kept and named on failure.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const repo = path.resolve(import.meta.dirname, '..')
const fixture = path.join(repo, 'consumer')
/** Fixture files that only editors and ESLint inside this repository use. */
const repoOnly = new Set(['tsconfig.json'])

/** What `npm pack --json` says about the tarball. */
interface PackResult {
  filename: string
  size: number
  unpackedSize: number
  entryCount: number
}

/** The environment for nested npm and node: without the npm variables of the script that runs this one. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const key of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/.test(key) || key === 'INIT_CWD') delete env[key]
  }
  return env
}

/** Run a command; its output goes to ours (stdout only when not `quiet`), and a failure stops everything. */
function run(title: string, command: string, args: string[], cwd: string, quiet = false): string {
  console.log(`\n> ${title}`)
  const result = spawnSync(command, args, {
    cwd,
    env: childEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit']
  })
  if (result.stdout && !quiet) process.stdout.write(result.stdout)
  if (result.error) throw result.error
  if (result.status !== 0) throw new Error(`${title}: ${command} ${args.join(' ')} exited with ${result.status}`)
  return result.stdout
}

/** The version of a package installed in this repository, so that the app gets the same one from npm's cache. */
function versionHere(name: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string
  }
  return `${name}@${manifest.version}`
}

/** Copy the fixture app's files (not its folders, not the repository-only ones) into `app`. */
function copyFixture(app: string): void {
  for (const entry of fs.readdirSync(fixture, { withFileTypes: true })) {
    if (entry.isFile() && !repoOnly.has(entry.name))
      fs.copyFileSync(path.join(fixture, entry.name), path.join(app, entry.name))
  }
}

let passed = 0

/** Run one step of the test and count it. */
function step(title: string, command: string, args: string[], cwd: string, quiet = false): string {
  const out = run(title, command, args, cwd, quiet)
  passed++
  return out
}

/** Every step, in order. */
function consumerTest(work: string): void {
  const npmFlags = ['--no-audit', '--no-fund', '--prefer-offline']

  step('build', 'npm', ['run', 'build'], repo)
  const packed = step('pack', 'npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], repo, true)
  const [pack] = JSON.parse(packed) as [PackResult]
  const tarball = path.join(work, pack.filename)
  console.log(
    `tarball: ${pack.filename}, ${pack.size} bytes (${(pack.size / 1024).toFixed(1)} KiB) packed, ` +
      `${pack.unpackedSize} bytes unpacked, ${pack.entryCount} files`
  )

  const app = path.join(work, 'app')
  fs.mkdirSync(app)
  fs.writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true, type: 'module' }, null, 2) + '\n'
  )
  copyFixture(app)

  const registry = ['express', '@types/express', '@types/node', 'typescript'].map(versionHere)
  step(
    'install the tarball as express-session and under its own name',
    'npm',
    ['install', ...npmFlags, `express-session@file:${tarball}`, tarball, ...registry],
    app
  )
  step('plain node: require()', 'node', ['check-require.cjs'], app)
  step('plain node: import', 'node', ['check-import.mjs'], app)
  step(
    'install connect-redis 9 beside it, without flags',
    'npm',
    ['install', ...npmFlags, versionHere('connect-redis')],
    app
  )
  step('npm ls: the tree is valid', 'npm', ['ls'], app)
  step('strict tsc', 'node', [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.app.json'], app)
  step('the compiled CommonJS file', 'node', [path.join('build', 'require-app.cjs')], app)
  step('the compiled app serves a session', 'node', [path.join('build', 'check-serve.js')], app)
  step('connect-redis on the package', 'node', [path.join('build', 'check-connect-redis.js')], app)
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'))
try {
  consumerTest(work)
  fs.rmSync(work, { recursive: true, force: true })
  console.log(`\nconsumer: ${passed} passed, 0 failed`)
} catch (err) {
  console.error(`\n${err instanceof Error ? err.message : String(err)}`)
  console.error(`the app is kept in ${work}`)
  console.log(`\nconsumer: ${passed} passed, 1 failed`)
  process.exit(1)
}
