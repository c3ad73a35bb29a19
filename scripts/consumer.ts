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
 * 3. strict `tsc` (consumer/tsconfig.app.json) compiles the app's TypeScript,
 *    written as for `@types/express-session` (idioms.ts), and refuses what
 *    the package is stricter about (stricter.ts); store-level code compiles
 *    on its own (tsconfig.stores.json), and so does connect-redis's own
 *    source with its own compiler options (tsconfig.connect-redis.json);
 * 4. the compiled CommonJS file runs; the compiled app serves sessions on
 *    127.0.0.1 (check-serve.ts); connect-redis's store is built on the
 *    package's `Store` (check-connect-redis.ts);
 * 5. settings.ts compiles and runs with other module settings (Node16, a
 *    bundler's resolution, CommonJS with `esModuleInterop`), and fails where
 *    chapter 02 says it does (CommonJS without `esModuleInterop` at run time,
 *    `module: es2020` with the library checked);
 * 6. with `@types/express-session` installed too, the app still compiles as
 *    long as `compilerOptions.types` leaves it out, and TypeScript reports the
 *    two declarations of `req.session` (TS2717) when it does not.
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
/** The version of @types/express-session the README's advice is checked against. */
const typesPackage = '@types/express-session@1.19.0'

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

/** A step that must fail, saying `expected` (stdout and stderr together); counted when it does. */
function failingStep(title: string, command: string, args: string[], cwd: string, expected: RegExp): void {
  console.log(`\n> ${title}`)
  const result = spawnSync(command, args, { cwd, env: childEnv(), encoding: 'utf8' })
  if (result.error) throw result.error
  const output = `${result.stdout}${result.stderr}`
  if (result.status === 0) throw new Error(`${title}: ${command} ${args.join(' ')} succeeded`)
  if (!expected.test(output)) throw new Error(`${title}: the output does not match ${expected}:\n${output}`)
  console.log(`failed as expected: ${expected.exec(output)?.[0]}`)
  passed++
}

/** `tsc` as the app has it installed. */
const tsc = path.join('node_modules', 'typescript', 'bin', 'tsc')

/** The flags every compilation of settings.ts shares: strict, the package's .d.ts checked too. */
const settingsFlags = ['--target', 'es2022', '--strict', '--skipLibCheck', 'false', '--types', 'node']

/** Module settings an application may use, beside the fixture app's NodeNext. */
const moduleSettings: Array<{ name: string; flags: string[]; commonjs: boolean }> = [
  { name: 'module node16', flags: ['--module', 'node16', '--moduleResolution', 'node16'], commonjs: false },
  {
    name: 'module esnext, moduleResolution bundler',
    flags: ['--module', 'esnext', '--moduleResolution', 'bundler'],
    commonjs: false
  },
  {
    name: 'module commonjs, esModuleInterop',
    flags: ['--module', 'commonjs', '--moduleResolution', 'node10', '--esModuleInterop'],
    commonjs: true
  }
]

/** Compile settings.ts into `build-<out>/` with `flags`; a CommonJS build gets a package.json that says so. */
function compileSettings(app: string, title: string, flags: string[], out: string, commonjs: boolean): string {
  const dir = `build-${out}`
  step(title, 'node', [tsc, ...settingsFlags, ...flags, '--outDir', dir, 'settings.ts'], app)
  if (commonjs) fs.writeFileSync(path.join(app, dir, 'package.json'), '{ "type": "commonjs" }\n')
  return path.join(dir, 'settings.js')
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
  step(
    'strict tsc: the app, its @types/express-session idioms and what is refused',
    'node',
    [tsc, '-p', 'tsconfig.app.json'],
    app
  )
  step('strict tsc: store-level code on its own', 'node', [tsc, '-p', 'tsconfig.stores.json'], app)
  step("tsc: connect-redis's own source, with its own options", 'node', [tsc, '-p', 'tsconfig.connect-redis.json'], app)
  step('the compiled CommonJS file', 'node', [path.join('build', 'require-app.cjs')], app)
  step('the compiled app serves a session', 'node', [path.join('build', 'check-serve.js')], app)
  step('connect-redis on the package', 'node', [path.join('build', 'check-connect-redis.js')], app)

  moduleSettings.forEach(({ name, flags, commonjs }, i) => {
    const built = compileSettings(app, `tsc, ${name}`, flags, String(i), commonjs)
    step(`run what ${name} compiled`, 'node', [built], app)
  })
  const noInterop = ['--module', 'commonjs', '--moduleResolution', 'node10']
  const built = compileSettings(app, 'tsc, module commonjs without esModuleInterop', noInterop, 'no-interop', true)
  failingStep(
    'without esModuleInterop the default import is undefined at run time',
    'node',
    [built],
    app,
    /the default import is not the session function/
  )
  failingStep(
    'module es2020 refuses the string export names of the .d.ts',
    'node',
    [tsc, ...settingsFlags, '--module', 'es2020', '--moduleResolution', 'bundler', '--noEmit', 'settings.ts'],
    app,
    /TS18057/
  )

  step(`install ${typesPackage} beside it`, 'npm', ['install', ...npmFlags, typesPackage], app)
  step(
    'strict tsc: compilerOptions.types leaves @types/express-session out',
    'node',
    [tsc, '-p', 'tsconfig.app.json', '--noEmit'],
    app
  )
  const everyTypes = JSON.parse(
    fs.readFileSync(path.join(app, 'tsconfig.app.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')
  ) as {
    compilerOptions: Record<string, unknown>
  }
  delete everyTypes.compilerOptions['types']
  everyTypes.compilerOptions['noEmit'] = true
  fs.writeFileSync(path.join(app, 'tsconfig.every-types.json'), JSON.stringify(everyTypes, null, 2))
  failingStep(
    'without compilerOptions.types, TypeScript loads @types/express-session and refuses its req.session',
    'node',
    [tsc, '-p', 'tsconfig.every-types.json'],
    app,
    /TS2717/
  )
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
