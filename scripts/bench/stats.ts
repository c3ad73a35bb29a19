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

/**
 * One variant ÷ another (ours ÷ express-session, say), to three decimals: the
 * median, over the rounds, of each round's ratio. The two runs of a round are
 * seconds apart, so whatever the machine was doing then weighs on both;
 * comparing within rounds first keeps the drift between rounds out of the answer.
 */
export function ratio(variant: Summary, reference: Summary): number {
  if (variant.runs.length !== reference.runs.length) throw new Error('ratio needs the same rounds for both')
  return Number(median(variant.runs.map((rps, round) => rps / reference.runs[round])).toFixed(3))
}
