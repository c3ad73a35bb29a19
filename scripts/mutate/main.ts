/**
 * `npm run mutate`: StrykerJS mutation testing of the library with the
 * project's own tests (vitest, per-test coverage).
 *
 *   npm run mutate                        src/index.ts and src/session/*.ts
 *   npm run mutate -- --stores            src/stores/*.ts
 *   npm run mutate -- src/session/cookie.ts   only the files named (of the chosen set)
 *   npm run mutate -- --incremental       reuse the last run's results where code and tests are unchanged
 *                                         (every run leaves its results for the next: reports/mutation/<set>-incremental.json)
 *   npm run mutate -- --retry-timeouts    as --incremental, but test again, with 30 s of slack instead of 10, each
 *                                         mutant the last run recorded as timed out (on a busy machine a slow
 *                                         run can pass for a hang)
 *   npm run mutate -- --concurrency 1     one test runner instead of two
 *   npm run mutate -- --dry-run           instrument and run the tests once, mutating nothing
 *
 * Stryker runs in a copy of the project (`.stryker-tmp/<set>/`, removed
 * afterwards) made by prepare.ts; the report is written to
 * `reports/mutation/<set>.html` and `.json`, and a summary is printed.
 * notes/mutation-testing.md explains the results.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Stryker } from '@stryker-mutator/core'
import type { PartialStrykerOptions } from '@stryker-mutator/api/core'
import { mutateRanges, prepareCopy } from './prepare.js'
import { html, restoreSources, summary, type Report } from './report.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** What one run mutates, and the test files that can see it from inside their own process. */
interface MutationSet {
  files: string[]
  testFiles: string[]
}

/**
 * The library is proven by its chapters' tests (02–09, and 11 on security),
 * plus load.test.ts (a module that throws while loading fails a test there,
 * not only the loading of every test file, which Stryker would not count);
 * the stores by 10, 11 and 13. Left out of both: 00 (its own from-scratch
 * server), 01 (the dependencies, not src/), 12 (the benchmark), the tests
 * that read src/ as text (the sandbox holds instrumented code there), and
 * 10-companion-process (it starts the app in a child process, where no
 * mutant is active).
 */
const sets: Record<'library' | 'stores', MutationSet> = {
  library: {
    files: [
      'src/index.ts',
      'src/session/cookie.ts',
      'src/session/session.ts',
      'src/session/store.ts',
      'src/session/memory.ts'
    ],
    testFiles: [
      'test/02-exports.test.ts',
      'test/03-session-options.test.ts',
      'test/04-request-flow.test.ts',
      'test/05-response-end.test.ts',
      'test/06-store.test.ts',
      'test/07-cookie.test.ts',
      'test/08-session.test.ts',
      'test/09-memory-store.test.ts',
      'test/11-security.test.ts',
      'scripts/mutate/load.test.ts'
    ]
  },
  stores: {
    files: [
      'src/stores/expiry.ts',
      'src/stores/file-store.ts',
      'src/stores/guarded-store.ts',
      'src/stores/redis-store.ts'
    ],
    testFiles: [
      'test/10-companion-app.test.ts',
      'test/10-file-store.test.ts',
      'test/10-file-store-failures.test.ts',
      'test/11-guarded-store.test.ts',
      'test/11-security.test.ts',
      'test/13-ecosystem.test.ts',
      'test/13-redis-store.test.ts',
      'test/13-scaling-out.test.ts'
    ]
  }
}

/** The command line, read strictly: an unknown flag or file stops the run before it starts. */
function parseArgs(argv: string[]) {
  let name: keyof typeof sets = 'library'
  let incremental = false
  let dryRun = false
  let retryTimeouts = false
  let concurrency = 2
  const only: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--stores') name = 'stores'
    else if (arg === '--incremental') incremental = true
    else if (arg === '--dry-run') dryRun = true
    else if (arg === '--retry-timeouts') incremental = retryTimeouts = true
    else if (arg === '--concurrency') {
      concurrency = Number(argv[++i])
      if (concurrency !== 1 && concurrency !== 2) fail('--concurrency takes 1 or 2 (the machine has two cores)')
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}`)
    else only.push(arg)
  }
  const set = sets[name]
  for (const file of only) if (!set.files.includes(file)) fail(`${file} is not one of: ${set.files.join(', ')}`)
  return {
    name,
    incremental,
    retryTimeouts,
    dryRun,
    concurrency,
    files: only.length > 0 ? only : set.files,
    testFiles: set.testFiles
  }
}

function fail(message: string): never {
  console.error(`npm run mutate: ${message}`)
  process.exit(2)
}

const args = parseArgs(process.argv.slice(2))
const copy = path.join(root, '.stryker-tmp', args.name)
const reports = path.join(root, 'reports', 'mutation')

prepareCopy(root, copy, args.files)
// read by scripts/mutate/vitest.config.ts, in this process and in Stryker's workers, which inherit it
process.env.MUTATE_TESTS = args.testFiles.join(',')
fs.mkdirSync(reports, { recursive: true })

const options: PartialStrykerOptions = {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'scripts/mutate/vitest.config.ts', related: false },
  mutate: args.files.flatMap((file) => mutateRanges(file, fs.readFileSync(path.join(root, file), 'utf8'))),
  coverageAnalysis: 'perTest',
  concurrency: args.concurrency,
  reporters: ['json', 'progress-append-only'],
  jsonReporter: { fileName: 'mutation.json' },
  // always on, so that each run leaves its results for the next; force runs every mutant unless --incremental
  incremental: true,
  force: !args.incremental,
  dryRunOnly: args.dryRun,
  incrementalFile: path.join(reports, `${args.name}-incremental.json`),
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  dryRunTimeoutMinutes: 10,
  timeoutMS: args.retryTimeouts ? 30_000 : 10_000
}

/** Drop the timed-out mutants from the last run's results, so that Stryker tests them again. */
function forgetTimeouts(file: string): void {
  if (!fs.existsSync(file)) fail(`--retry-timeouts needs the results of an earlier run: ${file} is missing`)
  const last = JSON.parse(fs.readFileSync(file, 'utf8')) as Report
  let dropped = 0
  for (const entry of Object.values(last.files)) {
    const kept = entry.mutants.filter((m) => m.status !== 'Timeout')
    dropped += entry.mutants.length - kept.length
    entry.mutants = kept
  }
  fs.writeFileSync(file, JSON.stringify(last))
  console.log(`npm run mutate: testing again the ${dropped} mutants that timed out last time`)
}
if (args.retryTimeouts) forgetTimeouts(options.incrementalFile!)

const started = Date.now()
process.chdir(copy)
await new Stryker(options).runMutationTest()
process.chdir(root)
if (args.dryRun) {
  fs.rmSync(copy, { recursive: true, force: true })
  process.exit(0)
}

const report = JSON.parse(fs.readFileSync(path.join(copy, 'mutation.json'), 'utf8')) as Report
restoreSources(report, root)
fs.writeFileSync(path.join(reports, `${args.name}.json`), JSON.stringify(report, null, 2) + '\n')
fs.writeFileSync(path.join(reports, `${args.name}.html`), html(report))
fs.rmSync(copy, { recursive: true, force: true })

const minutes = ((Date.now() - started) / 60_000).toFixed(1)
console.log(`\nMutation testing of the ${args.name} (${minutes} min), report in reports/mutation/${args.name}.html:\n`)
console.log(summary(report))
