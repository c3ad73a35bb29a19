/**
 * `npm run break`: list the break-it exercises, one a line.
 * `npm run break -- <id>`: make that exercise's change in a temporary copy
 * of the repository, run its chapter's tests there against our
 * implementation only, and show which tests failed and why. Your files are
 * never changed. `--keep` leaves the broken copy behind and prints its path.
 *
 * Exit codes: 0 when the run went through (failing tests are the point), 1
 * when the tests could not run, 2 for an unknown id or option.
 */
import { listing, parseBreakArgs, UsageError, type BreakCommand } from './cli.js'
import { chapterOf } from './exercise.js'
import { exercises } from './exercises.js'
import { describeOutcome, RunError, runExercise } from './run.js'
import { repoRoot } from './workspace.js'

/** The usage text, with the list. */
function usage(): string {
  return (
    'Usage: npm run break -- <id> [--keep]\n\n' +
    'Each exercise makes one small change to the library in a temporary copy of the\n' +
    "repository and runs its chapter's tests against ours. The exercises:\n\n" +
    listing()
  )
}

async function main(): Promise<void> {
  let command: BreakCommand
  try {
    command = parseBreakArgs(process.argv.slice(2))
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    console.error(`${err.message}\n\n${usage()}`)
    process.exit(2)
  }
  if (command.id === undefined) {
    console.log(listing())
    return
  }
  const exercise = exercises.find((e) => e.id === command.id)
  if (!exercise) {
    console.error(`There is no exercise called ${command.id}.\n\n${usage()}`)
    process.exit(2)
  }
  console.log(`Breaking ${exercise.file} in a temporary copy; running chapter ${chapterOf(exercise)}'s tests…\n`)
  try {
    const outcome = await runExercise(exercise, { root: repoRoot, keep: command.keep })
    console.log(describeOutcome(outcome))
    if (command.keep) console.log(`\nThe broken copy is kept in ${outcome.workspace}`)
    else console.log('\nYour files are unchanged; the temporary copy is gone.')
  } catch (err) {
    if (!(err instanceof RunError)) throw err
    console.error(`${err.message}. What vitest printed:\n\n${err.output}`)
    process.exit(1)
  }
}

await main()
