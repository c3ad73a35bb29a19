/**
 * A vitest reporter for `npm run break`: once the run ends, it writes every
 * test's outcome — and, for a failure, the assertion's message, expected and
 * received values and the line of the test — as JSON to the file named by
 * the environment variable `BREAK_RESULTS`. It prints nothing.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Reporter, TestModule } from 'vitest/node'

/** One failed assertion (or thrown error) of a test. */
export interface FailureRecord {
  /** The error's message, as vitest shows it. */
  message: string
  /** The expected value, serialised, when the assertion had one. */
  expected?: string
  /** The value received instead, serialised, when the assertion had one. */
  actual?: string
  /** `test/NN-….test.ts:line`: where in a test file the error was raised. */
  at?: string
}

/** One test's outcome. */
export interface TestRecord {
  /** The test file, relative to the run's root. */
  file: string
  /** The test's own title, as given to `it(…)`. */
  name: string
  /** The titles of the suites around it, outermost first. */
  suites: string[]
  /** What happened to it. */
  state: 'passed' | 'failed' | 'skipped' | 'pending'
  /** Why it failed. */
  failures: FailureRecord[]
}

/** What the reporter writes. */
export interface RunRecord {
  /** Every test that was collected. */
  tests: TestRecord[]
  /** Errors that belong to no test: a file that failed to load, an error thrown after a test ended. */
  errors: FailureRecord[]
}

/** The reporter vitest loads with `--reporter=scripts/break/reporter.ts`. */
export default class BreakReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedErrorLike>): void {
    const target = process.env.BREAK_RESULTS
    if (!target) throw new Error('scripts/break/reporter.ts needs BREAK_RESULTS: the file to write the results to')
    const record: RunRecord = { tests: [], errors: unhandledErrors.map(failureOf) }
    for (const testModule of testModules) {
      const file = path.relative(process.cwd(), testModule.moduleId)
      record.errors.push(...testModule.errors().map(failureOf))
      for (const test of testModule.children.allTests()) {
        const result = test.result()
        const suites: string[] = []
        for (let parent = test.parent; parent.type === 'suite'; parent = parent.parent) suites.unshift(parent.name)
        record.tests.push({
          file,
          name: test.name,
          suites,
          state: result.state,
          failures: (result.errors ?? []).map(failureOf)
        })
      }
    }
    fs.writeFileSync(target, JSON.stringify(record, null, 2))
  }
}

/** The fields of vitest's serialised errors this reporter reads. */
interface SerializedErrorLike {
  message: string
  expected?: string
  actual?: string
  stacks?: Array<{ file: string; line: number }>
}

/** The parts of an error a reader needs. */
function failureOf(error: SerializedErrorLike): FailureRecord {
  const frame = error.stacks?.find((s) => /\/test\/[^/]+\.test\.ts$/.test(s.file))
  return {
    message: error.message,
    ...(typeof error.expected === 'string' ? { expected: error.expected } : {}),
    ...(typeof error.actual === 'string' ? { actual: error.actual } : {}),
    ...(frame ? { at: `${path.relative(process.cwd(), frame.file)}:${frame.line}` } : {})
  }
}
