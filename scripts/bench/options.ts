/**
 * The benchmark's command line, read strictly: a typo or a missing value
 * stops the run before anything starts, rather than measuring with NaN.
 */

/** What one run of `npm run bench` is asked to do. */
export interface BenchOptions {
  /** Interleaved rounds; each measures every scenario of every variant once. */
  rounds: number
  /** Seconds of load per measurement. */
  seconds: number
  /** Connections autocannon keeps open. */
  connections: number
  /** Whether to run the micro-benchmarks after the servers. */
  micro: boolean
  /** Where results.json, chart.svg and the README's tables go (relative to the repository). */
  out: string
  /** The experiments to measure beside the standard variants, by name. */
  experiments: string[]
}

/** A command line the benchmark cannot run with; `main.ts` prints it and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** The command line's shape, for the error messages. */
export const USAGE =
  'usage: npm run bench -- [--rounds N] [--seconds S] [--connections C] [--no-micro] [--out DIR] [--experiment NAME]'

const DEFAULTS: BenchOptions = {
  rounds: 5,
  seconds: 2,
  connections: 10,
  micro: true,
  out: 'chapters/12-cost',
  experiments: []
}

/** A positive number read from an option's value; whole numbers only where `integer`. */
function positive(flag: string, value: string, integer: boolean): number {
  const n = value.trim() === '' ? NaN : Number(value)
  const ok = Number.isFinite(n) && n > 0 && (!integer || Number.isInteger(n))
  if (!ok) throw new UsageError(`${flag} needs a positive ${integer ? 'whole number' : 'number'}, not "${value}"`)
  return n
}

/**
 * Read the benchmark's arguments (`process.argv.slice(2)`).
 *
 * @param args - the arguments after the script's name
 * @param experiments - the experiment names `--experiment` accepts
 * @throws UsageError for an unknown argument, a flag without its value, a value that is not a
 *   positive number where one is needed, or an unknown experiment
 */
export function parseOptions(args: readonly string[], experiments: readonly string[]): BenchOptions {
  const options: BenchOptions = { ...DEFAULTS, experiments: [] }
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]
    if (flag === '--no-micro') {
      options.micro = false
      continue
    }
    if (!['--rounds', '--seconds', '--connections', '--out', '--experiment'].includes(flag)) {
      throw new UsageError(`unknown argument "${flag}"`)
    }
    const value = args[i + 1]
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`)
    i++
    if (flag === '--rounds') options.rounds = positive(flag, value, true)
    else if (flag === '--seconds') options.seconds = positive(flag, value, false)
    else if (flag === '--connections') options.connections = positive(flag, value, true)
    else if (flag === '--out') options.out = value
    else if (!experiments.includes(value)) {
      throw new UsageError(`unknown experiment "${value}"; known: ${experiments.join(', ')}`)
    } else if (!options.experiments.includes(value)) options.experiments.push(value)
  }
  return options
}
