/**
 * The benchmark's bar chart, written as a self-contained SVG: one group of
 * bars per scenario, one bar per variant, requests per second.
 */

/** What the chart needs of a result row. */
export interface ChartRow {
  scenario: string
  ratio: number
  bare: { rps: number }
  upstream: { rps: number }
  ours: { rps: number }
}

const COLORS = { bare: '#9aa5b1', upstream: '#3b6ea8', ours: '#d9822b' } as const

/** Escape text for SVG. */
function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/** Draw the chart. */
export function chartSvg(rows: ChartRow[], labels: Record<'bare' | 'upstream' | 'ours', string>): string {
  const variants = ['bare', 'upstream', 'ours'] as const
  const width = 760
  const height = 380
  const left = 70
  const bottom = 300
  const top = 50
  const max = Math.max(...rows.flatMap((row) => variants.map((v) => row[v].rps)))
  const scale = (bottom - top) / (max * 1.1)
  const groupWidth = (width - left - 20) / rows.length
  const bar = groupWidth / 4
  const parts: string[] = []
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`
  )
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  parts.push(
    `<text x="${left}" y="24" font-size="15" font-weight="600">Requests per second (median of interleaved rounds; higher is better)</text>`
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
      const h = row[v].rps * scale
      const x = x0 + i * bar
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${(bar - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[v]}"><title>${esc(labels[v])}: ${row[v].rps} req/s</title></rect>`
      )
      parts.push(
        `<text x="${(x + (bar - 4) / 2).toFixed(1)}" y="${(bottom - h - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#333">${row[v].rps}</text>`
      )
    })
    const cx = x0 + 1.5 * bar
    parts.push(
      `<text x="${cx.toFixed(1)}" y="${bottom + 18}" text-anchor="middle" font-weight="600">${esc(row.scenario)}</text>`
    )
    parts.push(
      `<text x="${cx.toFixed(1)}" y="${bottom + 34}" text-anchor="middle" fill="#555">ours ÷ express-session: ${row.ratio.toFixed(3)}</text>`
    )
  })
  variants.forEach((v, i) => {
    const x = left + i * 200
    parts.push(`<rect x="${x}" y="${height - 24}" width="12" height="12" fill="${COLORS[v]}"/>`)
    parts.push(`<text x="${x + 18}" y="${height - 14}">${esc(labels[v])}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}
