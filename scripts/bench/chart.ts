/**
 * The benchmark's bar chart, written as a self-contained SVG: one group of
 * bars per scenario, one bar per variant, requests per second, and under each
 * group every session variant ÷ express-session.
 */
import type { BenchReport } from './report.js'

const COLORS: Record<string, string> = {
  bare: '#9aa5b1',
  upstream: '#3b6ea8',
  'ours-js': '#c8661a',
  'ours-tsx': '#f2b27a',
  'hoisted-js': '#3f8f4a',
  'hoisted-tsx': '#a5d6a0'
}
const SPARE = ['#8e6bb8', '#c9b3e6', '#b8485d', '#e8a5b2']

/** Escape text for SVG. */
function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/** Draw the chart of a report. */
export function chartSvg(report: Pick<BenchReport, 'variants' | 'results'>): string {
  const { variants, results: rows } = report
  let spare = 0
  const color = new Map(variants.map((v) => [v.id, COLORS[v.id] ?? SPARE[spare++ % SPARE.length]]))
  const compared = variants.filter((v) => rows.some((row) => v.id in row.ratios))
  const width = 760
  const left = 70
  const top = 50
  const bottom = 300
  const legendTop = bottom + 40 + 15 * compared.length
  const perLegendRow = 3
  const height = legendTop + 20 * Math.ceil(variants.length / perLegendRow) + 10
  const max = Math.max(...rows.flatMap((row) => variants.map((v) => row.variants[v.id].rps)))
  const scale = (bottom - top) / (max * 1.1)
  const groupWidth = (width - left - 20) / rows.length
  const bar = groupWidth / (variants.length + 1)
  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`
  )
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  parts.push(
    `<text x="${left}" y="24" font-size="15" font-weight="600">Requests per second (median of interleaved rounds; higher is better)</text>`
  )
  parts.push(
    `<text x="${left}" y="40" font-size="11" fill="#555">Under each scenario: each session variant ÷ express-session 1.19.0, the median of the rounds' own ratios</text>`
  )
  const ticks = 5
  for (let i = 0; i <= ticks; i++) {
    const value = Math.round((max * 1.1 * i) / ticks)
    const y = bottom - value * scale
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e3e7ec"/>`)
    parts.push(`<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#555">${value}</text>`)
  }
  rows.forEach((row, g) => {
    const x0 = left + g * groupWidth + bar / 2
    variants.forEach((v, i) => {
      const { rps } = row.variants[v.id]
      const h = rps * scale
      const x = x0 + i * bar
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${(bar - 3).toFixed(1)}" height="${h.toFixed(1)}" fill="${color.get(v.id)}"><title>${esc(v.label)}: ${rps} req/s</title></rect>`
      )
      // the figure runs down the bar from its top, turned on its side so that neighbours never overlap
      parts.push(
        `<text transform="translate(${(x + (bar - 3) / 2 + 3).toFixed(1)} ${(bottom - h + 4).toFixed(1)}) rotate(-90)" text-anchor="end" font-size="9" fill="#111">${rps}</text>`
      )
    })
    const cx = x0 + (variants.length * bar) / 2
    parts.push(
      `<text x="${cx.toFixed(1)}" y="${bottom + 18}" text-anchor="middle" font-weight="600">${esc(row.scenario)}</text>`
    )
    compared.forEach((v, i) => {
      const y = bottom + 36 + 15 * i
      parts.push(`<rect x="${(cx - 38).toFixed(1)}" y="${y - 9}" width="10" height="10" fill="${color.get(v.id)}"/>`)
      parts.push(
        `<text x="${(cx - 24).toFixed(1)}" y="${y}" fill="#333"><title>${esc(v.label)} ÷ express-session</title>×${row.ratios[v.id]?.toFixed(3) ?? '—'}</text>`
      )
    })
  })
  variants.forEach((v, i) => {
    const x = left + (i % perLegendRow) * 220
    const y = legendTop + 20 * Math.floor(i / perLegendRow)
    parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${color.get(v.id)}"/>`)
    parts.push(`<text x="${x + 18}" y="${y + 10}">${esc(v.label)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
