/**
 * What `npm run mutate` leaves behind: the mutation report as JSON and HTML
 * under `reports/mutation/`, showing the real source (the copy Stryker
 * mutated had its casts blanked), and a text summary: the score of each
 * file, and every mutant no test noticed.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/** A mutant as the mutation-testing report schema records it (the fields used here). */
export interface ReportMutant {
  id: string
  mutatorName: string
  replacement?: string
  status: string
  /** How many tests ran against the mutant; 0 for a survivor means none could run (a module failed to load?). */
  testsCompleted?: number
  location: { start: { line: number; column: number }; end: { line: number; column: number } }
}

/** The mutation-testing report schema's top level (the fields used here). */
export interface Report {
  files: Record<string, { language: string; source: string; mutants: ReportMutant[] }>
  [other: string]: unknown
}

/** Give each file of the report its source as it is in `root`, not as it was in the copy. */
export function restoreSources(report: Report, root: string): void {
  for (const [file, entry] of Object.entries(report.files)) {
    entry.source = fs.readFileSync(path.join(root, file), 'utf8')
  }
}

/** The statuses that count for the score: a mutant a test noticed, and one none did. */
const detected = new Set(['Killed', 'Timeout'])
const undetected = new Set(['Survived', 'NoCoverage'])

/** One file's counts and its score: detected / (detected + undetected), as Stryker computes it. */
export interface FileScore {
  file: string
  counts: Record<string, number>
  detected: number
  undetected: number
  score: number
}

/** The score of each file, and of all of them together under the name `all files`. */
export function scores(report: Report): FileScore[] {
  const rows: FileScore[] = []
  const total: FileScore = { file: 'all files', counts: {}, detected: 0, undetected: 0, score: 0 }
  for (const [file, entry] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const row: FileScore = { file, counts: {}, detected: 0, undetected: 0, score: 0 }
    for (const mutant of entry.mutants) {
      for (const r of [row, total]) {
        r.counts[mutant.status] = (r.counts[mutant.status] ?? 0) + 1
        if (detected.has(mutant.status)) r.detected++
        if (undetected.has(mutant.status)) r.undetected++
      }
    }
    rows.push(row)
  }
  rows.push(total)
  for (const r of rows)
    r.score = r.detected + r.undetected === 0 ? 100 : (100 * r.detected) / (r.detected + r.undetected)
  return rows
}

/** The text a mutant replaced, cut from the source by its location. */
export function originalText(source: string, mutant: ReportMutant): string {
  const lines = source.split('\n')
  const { start, end } = mutant.location
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1)
  const middle = lines.slice(start.line, end.line - 1)
  return [lines[start.line - 1].slice(start.column - 1), ...middle, lines[end.line - 1].slice(0, end.column - 1)].join(
    '\n'
  )
}

/** Squeeze a piece of code onto one short line for the summary. */
function oneLine(code: string, max = 70): string {
  const flat = code.replace(/\s+/g, ' ').trim()
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat
}

/** The summary printed at the end of a run: a table of scores, then each mutant no test noticed. */
export function summary(report: Report): string {
  const statuses = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'RuntimeError', 'CompileError', 'Ignored']
  const header = ['file', 'score', ...statuses]
  const table = scores(report).map((r) => [
    r.file,
    r.score.toFixed(2) + ' %',
    ...statuses.map((s) => String(r.counts[s] ?? 0))
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)))
  const format = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')
  const out = [format(header), ...table.map(format), '']
  const missed = Object.entries(report.files).flatMap(([file, entry]) =>
    entry.mutants.filter((m) => undetected.has(m.status)).map((m) => ({ file, entry, m }))
  )
  out.push(missed.length === 0 ? 'Every mutant was detected.' : `${missed.length} mutants no test detected:`)
  for (const { file, entry, m } of missed.sort(
    (a, b) => a.file.localeCompare(b.file) || a.m.location.start.line - b.m.location.start.line
  )) {
    // Stryker counts a run in which no test ran as a survivor: say so, it is no proof of anything
    const noTest = m.status === 'Survived' && m.testsCompleted === 0 ? '  (no test ran)' : ''
    out.push(
      `  ${file}:${m.location.start.line}:${m.location.start.column}  ${m.status}  ${m.mutatorName}: ` +
        `${oneLine(originalText(entry.source, m))}  ->  ${oneLine(m.replacement ?? '')}${noTest}`
    )
  }
  return out.join('\n')
}

/** The HTML report, the same page Stryker's own HTML reporter writes: mutation-testing-elements and the report. */
export function html(report: Report): string {
  // mutation-testing-elements comes with @stryker-mutator/core, which uses it for the same page
  const fromCore = createRequire(createRequire(import.meta.url).resolve('@stryker-mutator/core'))
  const script = fs.readFileSync(fromCore.resolve('mutation-testing-elements/dist/mutation-test-elements.js'), 'utf8')
  // a "</script>" inside the report's strings would end the script element early
  const json = JSON.stringify(report).replace(/</g, '\\u003c')
  return [
    '<!DOCTYPE html>',
    '<html>',
    '<head><meta charset="utf-8"><title>Mutation report</title>',
    `<script>${script}</script>`,
    '</head>',
    '<body>',
    '<mutation-test-report-app titlePostfix="express-session, annotated"></mutation-test-report-app>',
    `<script>document.querySelector('mutation-test-report-app').report = ${json}</script>`,
    '</body>',
    '</html>',
    ''
  ].join('\n')
}
