/**
 * What the benchmark compares (its variants) and what it writes down (the
 * report in `results.json`, from which the chapter's tables and chart are made).
 */
import type { MicroResult } from './micro.js'
import type { SessionModule } from './server.js'
import type { Summary } from './stats.js'

/** How a server runs: compiled JavaScript under plain `node`, or TypeScript through tsx. */
export type Runtime = 'node' | 'tsx'

/** One server the benchmark measures. */
export interface Variant {
  /** A short key, used in results.json: `bare`, `upstream`, `ours-js`, `ours-tsx`, `hoisted-js`… */
  id: string
  /** What the chapter calls it. */
  label: string
  runtime: Runtime
  /** The experiment it belongs to, for the variants that are not the library. */
  experiment?: string
}

/** A variant and the session module its server loads. */
export interface VariantSpec extends Variant {
  module: SessionModule
}

/** Express alone: the floor every session variant is measured against. */
export const BARE = 'bare'
/** express-session 1.19.0: what the ratios divide by. */
export const REFERENCE = 'upstream'

/** The variants every run measures. */
export const STANDARD_VARIANTS: VariantSpec[] = [
  { id: BARE, label: 'Express alone', runtime: 'node', module: 'bare' },
  { id: REFERENCE, label: 'express-session 1.19.0', runtime: 'node', module: 'upstream' },
  { id: 'ours-js', label: 'ours, compiled by tsc', runtime: 'node', module: 'ours' },
  { id: 'ours-tsx', label: 'ours, through tsx', runtime: 'tsx', module: 'ours' }
]

/** The experiments `--experiment NAME` adds, each as a compiled and a tsx variant. */
export const EXPERIMENTS: Record<string, { module: SessionModule; label: string }> = {
  hoisted: { module: 'hoisted', label: 'helpers hoisted' }
}

/** The variants of a run with the given experiments. */
export function variantsFor(experiments: readonly string[]): VariantSpec[] {
  const extra = experiments.flatMap((name): VariantSpec[] => {
    const { module, label } = EXPERIMENTS[name]
    return [
      { id: `${name}-js`, label: `${label}, compiled by tsc`, runtime: 'node', module, experiment: name },
      { id: `${name}-tsx`, label: `${label}, through tsx`, runtime: 'tsx', module, experiment: name }
    ]
  })
  return [...STANDARD_VARIANTS, ...extra]
}

/** The faithful variant an experiment's variant is compared with: ours, in the same runtime. */
export function faithfulTwin(variant: Variant): string {
  return `ours-${variant.runtime === 'node' ? 'js' : 'tsx'}`
}

/** One scenario's figures: a summary per variant, and each session variant ÷ express-session. */
export interface ResultRow {
  scenario: string
  variants: Record<string, Summary>
  /** Median of the per-round ratios, variant ÷ express-session, for every variant but the two references. */
  ratios: Record<string, number>
}

/** Everything one run wrote to results.json. */
export interface BenchReport {
  date: string
  machine: { cpus: number; cpu: string; memoryGiB: number; node: string; platform: string }
  settings: { rounds: number; seconds: number; connections: number }
  variants: Variant[]
  results: ResultRow[]
  micro: MicroResult[]
  microNotes: string[]
  durationSeconds: number
}
