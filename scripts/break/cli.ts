/**
 * The command lines of `npm run break` and `npm run test:break`, as pure
 * functions that the tool's test can call.
 */
import type { Exercise } from './exercise.js'
import { exercises } from './exercises.js'

/** What the command line asked for. */
export interface BreakCommand {
  /** The exercise to run; none lists them. */
  id?: string
  /** Leave the broken copy behind. */
  keep: boolean
}

/** A command line this tool does not understand. */
export class UsageError extends Error {
  /** @param message - what is wrong with it */
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Read the command line: at most one id, and `--keep`. */
export function parseBreakArgs(args: string[]): BreakCommand {
  const command: BreakCommand = { keep: false }
  for (const arg of args) {
    if (arg === '--keep') command.keep = true
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`)
    else if (command.id !== undefined) throw new UsageError('give one exercise at a time')
    else command.id = arg
  }
  return command
}

/** The list of exercises, one a line: id, then what it changes. */
export function listing(all: Exercise[] = exercises): string {
  const width = Math.max(...all.map((e) => e.id.length))
  return all.map((e) => `${e.id.padEnd(width)}  ${e.description}`).join('\n')
}

/** How an exercise's prediction compares with what failed. */
export interface Verdict {
  /** Predicted to fail, and did not. */
  missing: string[]
  /** Failed, and not predicted. */
  unexpected: string[]
}

/** Compare the titles predicted to fail with the titles that failed (each title counted once). */
export function compare(predicted: string[], actual: string[]): Verdict {
  const want = new Set(predicted)
  const got = new Set(actual)
  return {
    missing: [...want].filter((name) => !got.has(name)),
    unexpected: [...got].filter((name) => !want.has(name))
  }
}

/** The exercises whose ids start with one of `prefixes` (all of them when none is given). */
export function selected(prefixes: string[], all: Exercise[] = exercises): Exercise[] {
  if (prefixes.length === 0) return all
  return all.filter((e) => prefixes.some((p) => e.id.startsWith(p)))
}

/** What `npm run test:break` was asked for. */
export interface CheckCommand {
  /** Run only the exercises whose ids start with one of these. */
  prefixes: string[]
  /** How many exercises run at once. */
  jobs: number
}

/** Read `npm run test:break`'s command line: id prefixes, and `--jobs N` (2 by default). */
export function parseCheckArgs(args: string[]): CheckCommand {
  const command: CheckCommand = { prefixes: [], jobs: 2 }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--jobs' || arg === '-j') {
      const jobs = Number(args[++i])
      if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs needs a whole number above 0`)
      command.jobs = jobs
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`)
    else command.prefixes.push(arg)
  }
  return command
}
