/**
 * The benchmark's arithmetic, kept apart so that it can be tested.
 */

/** The median of a list of numbers (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of nothing')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** One variant's runs in one scenario, summarised. */
export interface Summary {
  rps: number
  p99: number
  runs: number[]
}

/** Summarise runs: median requests per second (rounded) and median p99 latency. */
export function summarise(runs: Array<{ rps: number; p99: number }>): Summary {
  return {
    rps: Math.round(median(runs.map((r) => r.rps))),
    p99: median(runs.map((r) => r.p99)),
    runs: runs.map((r) => Math.round(r.rps))
  }
}

/** ours ÷ express-session, to three decimals. */
export function ratio(ours: Summary, upstream: Summary): number {
  return Number((ours.rps / upstream.rps).toFixed(3))
}
