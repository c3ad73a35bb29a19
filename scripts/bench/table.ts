/**
 * The tables of chapter 12, each written between two markers in its README
 * (`<!-- bench:NAME -->` … `<!-- /bench:NAME -->`), so that the chapter
 * always shows the figures of the last real run and its prose holds none.
 */
import type { MicroResult } from './micro.js'
import { BARE, faithfulTwin, REFERENCE, type BenchReport, type ResultRow, type Variant } from './report.js'
import { ratio } from './stats.js'

/** What the tables need of a report. */
export type TableReport = Pick<
  BenchReport,
  'date' | 'machine' | 'settings' | 'variants' | 'results' | 'micro' | 'microNotes' | 'durationSeconds'
>

const DESCRIPTION: Record<string, string> = {
  new: 'a new session on every request',
  modified: 'a known session, changed',
  read: 'a known session, only read',
  rolling: 'a known session, read, `rolling: true`'
}

/** The first column: the scenario and what it does. */
function scenarioCell(scenario: string): string {
  return `${scenario}: ${DESCRIPTION[scenario] ?? scenario}`
}

/** A Markdown table from a header and rows; the first `text` columns left-aligned, the rest (figures) right-aligned. */
function markdownTable(header: string[], rows: string[][], text = 1): string {
  const align = header.map((_, i) => (i < text ? '---' : '---:'))
  return [
    `| ${header.join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`)
  ].join('\n')
}

/** A ratio as the tables print it: bold, three decimals. */
function times(value: number | undefined): string {
  return value === undefined ? '—' : `**${value.toFixed(3)}**`
}

/** The main table: the variants that are not experiments, and each session variant ÷ express-session. */
export function resultsTable(report: TableReport): string {
  const { machine, settings } = report
  const shown = report.variants.filter((v) => !v.experiment)
  const compared = shown.filter((v) => v.id !== BARE && v.id !== REFERENCE)
  const reference = report.variants.find((v) => v.id === REFERENCE)?.label ?? REFERENCE
  const cell = (row: ResultRow, v: Variant) => `${row.variants[v.id].rps} req/s (${row.variants[v.id].p99} ms)`
  return [
    `Measured ${report.date.slice(0, 10)} on ${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node.js ${machine.node}; ` +
      `${settings.rounds} interleaved round${settings.rounds === 1 ? '' : 's'} of ${settings.seconds} s, ${settings.connections} connections; the whole run took ${report.durationSeconds} s. ` +
      `Median requests per second, with the p99 latency; a ratio is the median of the rounds' own ratios.`,
    '',
    markdownTable(
      ['scenario', ...shown.map((v) => v.label), ...compared.map((v) => `${v.label} ÷ ${reference}`)],
      report.results.map((row) => [
        scenarioCell(row.scenario),
        ...shown.map((v) => cell(row, v)),
        ...compared.map((v) => times(row.ratios[v.id]))
      ])
    ),
    ...(compared.length === 0 ? [] : ['', atLeastAsFast(report, compared)])
  ].join('\n')
}

/** In how many scenarios each variant was at least as fast as express-session. */
function atLeastAsFast(report: TableReport, compared: Variant[]): string {
  const counts = compared.map((v) => {
    const wins = report.results.filter((row) => row.ratios[v.id] >= 1).length
    return `${v.label} in ${wins} of ${report.results.length} scenarios`
  })
  return `At least as fast as express-session (a ratio of 1.000 or more): ${counts.join('; ')}.`
}

/**
 * The experiments' table: each experiment's variants, each ÷ express-session
 * and ÷ ours in the same form (compiled or through tsx), when the run
 * measured that too.
 */
export function experimentTable(report: TableReport): string {
  const experimental = report.variants.filter((v) => v.experiment)
  if (experimental.length === 0)
    return 'The last run measured no experiment; `npm run bench -- --experiment hoisted` measures this one.'
  const twin = (v: Variant) => report.variants.find((w) => w.id === faithfulTwin(v))
  const header = ['scenario']
  for (const v of experimental) {
    header.push(v.label, `÷ express-session`)
    const faithful = twin(v)
    if (faithful) header.push(`÷ ${faithful.label}`)
  }
  const rows = report.results.map((row) => {
    const cells = [scenarioCell(row.scenario)]
    for (const v of experimental) {
      cells.push(`${row.variants[v.id].rps} req/s`, times(row.ratios[v.id]))
      const faithful = twin(v)
      if (faithful) cells.push(times(ratio(row.variants[v.id], row.variants[faithful.id])))
    }
    return cells
  })
  return `Measured in the same run as the table above.\n\n${markdownTable(header, rows)}`
}

/** The pieces of a request's work: the micro rows that are not alternatives. */
export function piecesTable(report: TableReport): string {
  const pieces = report.micro.filter((m) => !m.group)
  if (pieces.length === 0) return 'The last run did not run the micro-benchmarks.'
  return markdownTable(
    ['piece', 'where in the code', 'mean µs', 'per second'],
    pieces.map((m) => [m.name, m.where || '—', m.meanMicros.toFixed(3), String(m.opsPerSecond)]),
    2
  )
}

/**
 * The jobs with more than one way to do them: each way's mean time, and its
 * speed as a multiple of the first way's (the first way's mean time ÷ its own).
 */
export function alternativesTable(report: TableReport): string {
  const groups = new Map<string, MicroResult[]>()
  for (const m of report.micro) if (m.group) groups.set(m.group, [...(groups.get(m.group) ?? []), m])
  if (groups.size === 0) return 'The last run did not run the micro-benchmarks.'
  const rows: string[][] = []
  for (const [group, ways] of groups) {
    ways.forEach((m, i) => {
      const speed = i === 0 ? '1' : (ways[0].meanMicros / m.meanMicros).toFixed(2)
      rows.push([i === 0 ? group : '', m.name, m.where || '—', m.meanMicros.toFixed(3), `×${speed}`])
    })
  }
  const notes = report.microNotes.map((note) => `\n\n${note}`).join('')
  return markdownTable(['job', 'way', 'where', 'mean µs', "× the first way's speed"], rows, 3) + notes
}

/** The generated blocks of chapter 12, by marker name. */
export const BLOCKS: Record<string, (report: TableReport) => string> = {
  table: resultsTable,
  experiment: experimentTable,
  pieces: piecesTable,
  alternatives: alternativesTable
}

/** Replace the text between each pair of markers with its block; every pair must be there. */
export function withTables(readme: string, report: TableReport): string {
  let text = readme
  for (const [name, block] of Object.entries(BLOCKS)) {
    const open = `<!-- bench:${name} -->`
    const close = `<!-- /bench:${name} -->`
    const start = text.indexOf(open)
    const end = text.indexOf(close)
    if (start === -1 || end === -1 || end < start) throw new Error(`chapter 12 has no ${open} … ${close} markers`)
    text = text.slice(0, start + open.length) + '\n' + block(report) + '\n' + text.slice(end)
  }
  return text
}
