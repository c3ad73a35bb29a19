/**
 * The results table of chapter 12, written between two markers in its
 * README so that the chapter always shows the figures of the last real run.
 */

/** What the table needs of the report. */
export interface TableReport {
  date: string
  machine: { cpus: number; cpu: string; memoryGiB: number; node: string }
  settings: { rounds: number; seconds: number; connections: number }
  results: Array<
    { scenario: string; ratio: number } & Record<'bare' | 'upstream' | 'ours', { rps: number; p99: number }>
  >
}

export const TABLE_START = '<!-- bench:table -->'
export const TABLE_END = '<!-- /bench:table -->'

const DESCRIPTION: Record<string, string> = {
  new: 'a new session on every request',
  modified: 'a known session, changed',
  read: 'a known session, only read',
  rolling: 'a known session, read, `rolling: true`'
}

/** The Markdown table for a report. */
export function resultsTable(report: TableReport): string {
  const lines = [
    `Measured ${report.date.slice(0, 10)} on ${report.machine.cpus} × ${report.machine.cpu}, ${report.machine.memoryGiB} GiB, Node.js ${report.machine.node}; ` +
      `${report.settings.rounds} interleaved rounds of ${report.settings.seconds} s, ${report.settings.connections} connections. Median requests per second, with the p99 latency.`,
    '',
    '| scenario | Express alone | express-session 1.19.0 | ours | ours ÷ express-session |',
    '| --- | ---: | ---: | ---: | ---: |'
  ]
  for (const r of report.results) {
    const cell = (v: 'bare' | 'upstream' | 'ours') => `${r[v].rps} req/s (${r[v].p99} ms)`
    lines.push(
      `| ${r.scenario}: ${DESCRIPTION[r.scenario] ?? r.scenario} | ${cell('bare')} | ${cell('upstream')} | ${cell('ours')} | **${r.ratio.toFixed(3)}** |`
    )
  }
  return lines.join('\n')
}

/** Replace the text between the markers with the table; the markers must be there. */
export function withTable(readme: string, report: TableReport): string {
  const start = readme.indexOf(TABLE_START)
  const end = readme.indexOf(TABLE_END)
  if (start === -1 || end === -1 || end < start) throw new Error('chapter 12 has no bench:table markers')
  return readme.slice(0, start + TABLE_START.length) + '\n' + resultsTable(report) + '\n' + readme.slice(end)
}
