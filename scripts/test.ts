/**
 * `npm test`: the type check and vitest, side by side (the type check is
 * one process that mostly waits on one core; the tests rarely fill both).
 * With no arguments every test runs with coverage and its thresholds;
 * `npm test -- 07` runs the files whose names contain 07, without coverage
 * (a partial run cannot meet it). The type check's output is printed after
 * the tests'; the command fails when either does.
 */
import { spawn } from 'node:child_process'

const args = process.argv.slice(2)

/** Run a command; resolve with its exit code, and with its output when `quiet` holds it back. */
function run(command: string, commandArgs: string[], quiet = false): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, {
      stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit']
    })
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('close', (code) => resolve({ status: code ?? 1, output }))
  })
}

const typeCheck = run('npx', ['tsc', '--noEmit'], true)
const tests = await run('npx', ['vitest', 'run', ...(args.length === 0 ? ['--coverage'] : args)])
const types = await typeCheck
if (types.status !== 0) {
  process.stdout.write(`\nThe type check failed (npx tsc --noEmit):\n${types.output}`)
} else {
  process.stdout.write('\nThe type check passed (npx tsc --noEmit).\n')
}
process.exit(tests.status !== 0 ? tests.status : types.status)
