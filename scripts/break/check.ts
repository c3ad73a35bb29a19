/**
 * `npm run test:break`: run every break-it exercise and check that exactly
 * the tests its chapter names fail — no more, no fewer — so that no
 * exercise rots when the code or the tests change. `npm run test:break --
 * 05 11-any` runs only the exercises whose ids start with one of the
 * arguments; `--jobs N` runs N at once (2 by default: the tests mostly wait
 * on timers and sockets). On a mismatch it prints the tests that did fail,
 * written as the catalogue's `fails` list, and exits 1. Your files are never
 * changed.
 */
import { compare, parseCheckArgs, selected, UsageError, type CheckCommand } from './cli.js'
import type { Exercise } from './exercise.js'
import { describeFailure, failed, RunError, runExercise } from './run.js'
import { repoRoot } from './workspace.js'

/** Run one exercise and say, in a few lines, whether it failed exactly as predicted. */
async function checkOne(exercise: Exercise): Promise<{ ok: boolean; text: string }> {
  const began = Date.now()
  try {
    const outcome = await runExercise(exercise, { root: repoRoot, keep: false })
    const failures = failed(outcome)
    const verdict = compare(
      exercise.fails,
      failures.map((t) => t.name)
    )
    const seconds = ((Date.now() - began) / 1000).toFixed(1)
    const ok = verdict.missing.length === 0 && verdict.unexpected.length === 0 && outcome.errors.length === 0
    const lines = [`${ok ? '✓' : '✗'} ${exercise.id} (${failures.length} failed, ${seconds} s)`]
    if (!ok) {
      for (const name of verdict.missing) lines.push(`    predicted, but passed: “${name}”`)
      for (const name of verdict.unexpected) lines.push(`    failed, not predicted: “${name}”`)
      for (const error of outcome.errors) lines.push(...describeFailure(error).map((l) => '    ' + l))
      const names = [...new Set(failures.map((t) => t.name))]
      lines.push('    what failed, as a fails list:')
      lines.push('    fails: ' + JSON.stringify(names, null, 2).replace(/\n/g, '\n    '))
    }
    return { ok, text: lines.join('\n') }
  } catch (err) {
    const output = err instanceof RunError ? '\n' + err.output : ''
    return { ok: false, text: `✗ ${exercise.id}: ${err instanceof Error ? err.message : String(err)}${output}` }
  }
}

/** Run `work` on every item, at most `jobs` at a time. */
async function pool<T>(items: T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker))
}

async function main(): Promise<void> {
  let command: CheckCommand
  try {
    command = parseCheckArgs(process.argv.slice(2))
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    console.error(`${err.message}\n\nUsage: npm run test:break -- [id prefix…] [--jobs N]`)
    process.exit(2)
  }
  const chosen = selected(command.prefixes)
  if (chosen.length === 0) {
    console.error(`No exercise id starts with ${command.prefixes.join(' or ')}.`)
    process.exit(2)
  }
  const started = Date.now()
  let bad = 0
  await pool(chosen, command.jobs, async (exercise) => {
    const { ok, text } = await checkOne(exercise)
    if (!ok) bad++
    console.log(text)
  })
  const total = ((Date.now() - started) / 1000).toFixed(0)
  console.log(`\n${chosen.length - bad} of ${chosen.length} exercises fail exactly as predicted (${total} s).`)
  if (bad > 0) process.exit(1)
}

await main()
