/**
 * `npm test`: the type check, then vitest. With no arguments every test runs
 * with coverage and its thresholds; `npm test -- 07` runs the files whose
 * names contain 07, without coverage (a partial run cannot meet it).
 */
import { spawnSync } from 'node:child_process'

const args = process.argv.slice(2)

/** Run a command in the foreground; stop with its exit code when it fails. */
function run(command: string, commandArgs: string[]): void {
  const result = spawnSync(command, commandArgs, { stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

run('npx', ['tsc', '--noEmit'])
run('npx', ['vitest', 'run', ...(args.length === 0 ? ['--coverage'] : args)])
