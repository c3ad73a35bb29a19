/**
 * Run one exercise: copy the repository, make the change in the copy, run
 * the chapter's tests there against our implementation only, and gather
 * what failed. Also the words that tell a reader what happened.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { compare } from './cli.js'
import {
  breakSource,
  chapterOf,
  diffLines,
  lineChange,
  testFilter,
  type Exercise,
  type LineChange
} from './exercise.js'
import type { FailureRecord, RunRecord, TestRecord } from './reporter.js'
import { createWorkspace, removeWorkspace, track } from './workspace.js'

/** What running an exercise found. */
export interface Outcome {
  /** The exercise run. */
  exercise: Exercise
  /** The lines it changed. */
  change: LineChange
  /** The temporary copy (already removed unless kept). */
  workspace: string
  /** Every test of the chapter, as it ended. */
  tests: TestRecord[]
  /** Errors outside any test. */
  errors: FailureRecord[]
}

/** Options for {@link runExercise}. */
export interface RunOptions {
  /** The repository to copy; the one this script lives in by default. */
  root: string
  /** Leave the broken copy behind. */
  keep: boolean
}

/** The tests ran into something other than failed assertions: the copy did not yield results. */
export class RunError extends Error {
  /**
   * @param message - what went wrong
   * @param output - what vitest printed
   */
  constructor(
    message: string,
    readonly output: string
  ) {
    super(message)
    this.name = 'RunError'
  }
}

/** Make the exercise's change in a fresh copy and run its chapter's tests there, against ours only. */
export async function runExercise(exercise: Exercise, options: RunOptions): Promise<Outcome> {
  const original = fs.readFileSync(path.join(options.root, exercise.file), 'utf8')
  const broken = breakSource(original, exercise)
  const change = lineChange(original, exercise)
  const workspace = createWorkspace(options.root, exercise.id, options.keep)
  try {
    fs.writeFileSync(path.join(workspace, exercise.file), broken)
    const results = path.join(workspace, 'break-results.json')
    const output = await vitest(workspace, testFilter(exercise), results)
    if (!fs.existsSync(results)) throw new RunError(`the tests of chapter ${chapterOf(exercise)} did not run`, output)
    const record = JSON.parse(fs.readFileSync(results, 'utf8')) as RunRecord
    if (!options.keep) fs.rmSync(results)
    if (record.tests.length === 0 && record.errors.length === 0) {
      throw new RunError(
        `no test of chapter ${chapterOf(exercise)} ran (no file matched ${testFilter(exercise)}?)`,
        output
      )
    }
    return { exercise, change, workspace, tests: record.tests, errors: record.errors }
  } finally {
    if (!options.keep) removeWorkspace(workspace)
  }
}

/** Run vitest in the copy on the files matching `filter`, with ONLY_OURS=1; resolves with what it printed. */
function vitest(workspace: string, filter: string, results: string): Promise<string> {
  const bin = path.join(workspace, 'node_modules', 'vitest', 'vitest.mjs')
  const args = [bin, 'run', filter, '--reporter=./scripts/break/reporter.ts', '--silent']
  const child = spawn(process.execPath, args, {
    cwd: workspace,
    // its own process group, so that Ctrl-C stops it and everything it started at once
    detached: true,
    env: { ...outerEnvironment(), ONLY_OURS: '1', BREAK_RESULTS: results, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  track(child)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', () => resolve(output))
  })
}

/** This process's environment without what a vitest around it set (when the tool's own test runs it). */
function outerEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'TEST') delete env[key]
  return env
}

/** The tests that failed. */
export function failed(outcome: Outcome): TestRecord[] {
  return outcome.tests.filter((t) => t.state === 'failed')
}

/** The report a reader sees: the change, then each failed test with why, then a count. */
export function describeOutcome(outcome: Outcome): string {
  const { exercise, change } = outcome
  const out: string[] = []
  out.push(`${exercise.id}: ${exercise.description}`)
  out.push('')
  out.push(`${exercise.file}, line ${change.line}:`)
  out.push(...diffLines(change).map((l) => '  ' + l))
  out.push('')
  const failures = failed(outcome)
  const files = [...new Set(outcome.tests.map((t) => t.file))].join(', ')
  out.push(`Ran ${files} against ours: ${failures.length} of ${outcome.tests.length} tests failed.`)
  for (const test of failures) {
    out.push('')
    out.push(`✗ “${test.name}”`)
    out.push(`    in ${[test.file, ...test.suites.filter((s) => s !== "'ours'")].join(' › ')}`)
    for (const failure of test.failures.slice(0, 1)) out.push(...describeFailure(failure).map((l) => '    ' + l))
  }
  for (const error of outcome.errors) {
    out.push('')
    out.push('✗ an error outside any test')
    out.push(...describeFailure(error).map((l) => '    ' + l))
  }
  out.push('')
  out.push(...comparison(outcome))
  return out.join('\n')
}

/** A line saying whether what failed is what the chapter's answer names. */
function comparison(outcome: Outcome): string[] {
  const chapter = chapterOf(outcome.exercise)
  const verdict = compare(
    outcome.exercise.fails,
    failed(outcome).map((t) => t.name)
  )
  if (verdict.missing.length === 0 && verdict.unexpected.length === 0 && outcome.errors.length === 0)
    return [`These are the tests chapter ${chapter}'s answer names.`]
  return [
    `Chapter ${chapter}'s answer names other tests than these; the exercise has drifted from the code or the tests`,
    '(npm run test:break checks every exercise).'
  ]
}

/** One failure in a few lines: expected and received when the assertion had them, else the message. */
export function describeFailure(failure: FailureRecord): string[] {
  const lines: string[] = []
  // supertest's messages already say what was expected and what came ("expected 200 "OK", got 500 …")
  const saysBoth = /, got /.test(failure.message)
  if (failure.expected !== undefined && failure.actual !== undefined && !saysBoth) {
    lines.push(firstLine(failure.message))
    lines.push(`expected: ${shorten(failure.expected)}`)
    lines.push(`received: ${shorten(failure.actual)}`)
  } else {
    lines.push(firstLine(failure.message))
  }
  if (failure.at) lines.push(`at ${failure.at}`)
  return lines
}

/** The first line of a message. */
function firstLine(text: string): string {
  return shorten(text.split('\n')[0])
}

/** A value on one line, cut to a length a terminal shows. */
export function shorten(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat
}
