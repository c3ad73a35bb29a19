/**
 * Chapter 12 — cost. No timing is asserted here (timings belong to
 * `npm run bench`); these tests prove that each benchmark scenario does
 * what the chapter says it measures, that the figures are summarised
 * honestly, and that the published results hang together.
 */
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { benchApp, SCENARIOS } from '../scripts/bench/server.js'
import { chartSvg } from '../scripts/bench/chart.js'
import { median, ratio, summarise } from '../scripts/bench/stats.js'
import { withTable, type TableReport } from '../scripts/bench/table.js'
import { cookieHeader, setCookies } from './support/cookies.js'
import { serve } from './support/http.js'

const results = new URL('../chapters/12-cost/results.json', import.meta.url)

describe.each(['upstream', 'ours'] as const)('the benchmark scenarios, with %s', (variant) => {
  /** Set a scenario up and make one measured request, as the benchmark does. */
  async function hit(scenario: string) {
    const { client } = await serve(benchApp(variant))
    const setup = await client.get(`/${scenario}/setup`)
    const cookie = scenario === 'new' ? '' : cookieHeader(setup)
    const first = await client.get(`/${scenario}/hit`).set('Cookie', cookie)
    const second = await client.get(`/${scenario}/hit`).set('Cookie', cookie)
    return { first, second }
  }

  it('"new" makes a new session on every request: a fresh cookie each time', async () => {
    const { first, second } = await hit('new')
    expect(setCookies(first)).toHaveLength(1)
    expect(cookieHeader(second)).not.toBe(cookieHeader(first))
  })

  it('"modified" changes a known session on every request and sends its cookie again', async () => {
    const { first, second } = await hit('modified')
    expect([first.text, second.text]).toEqual(['1', '2'])
    expect(setCookies(second)).toHaveLength(1)
  })

  it('"read" reads a known session without changing it: no Set-Cookie', async () => {
    const { first, second } = await hit('read')
    expect([first.text, second.text]).toEqual(['0', '0'])
    expect(setCookies(first)).toEqual([])
  })

  it('"rolling" reads a known session and still sends the cookie, every time', async () => {
    const { first, second } = await hit('rolling')
    expect([first.text, second.text]).toEqual(['0', '0'])
    expect([setCookies(first).length, setCookies(second).length]).toEqual([1, 1])
  })
})

describe('the benchmark without a session', () => {
  it('answers every scenario without a cookie', async () => {
    const { client } = await serve(benchApp('bare'))
    for (const scenario of Object.keys(SCENARIOS)) {
      const res = await client.get(`/${scenario}/hit`).expect(200, 'ok')
      expect(setCookies(res)).toEqual([])
    }
  })
})

describe('the arithmetic', () => {
  it('median takes the middle value, or the mean of the two middle ones', () => {
    expect([median([3, 1, 2]), median([4, 1, 3, 2]), median([7])]).toEqual([2, 2.5, 7])
    expect(() => median([])).toThrow('median of nothing')
  })

  it('summarise reports median requests/s and median p99', () => {
    expect(
      summarise([
        { rps: 100.4, p99: 5 },
        { rps: 90, p99: 9 },
        { rps: 120, p99: 6 }
      ])
    ).toEqual({ rps: 100, p99: 6, runs: [100, 90, 120] })
  })

  it("the ratio is the median of each round's ours ÷ express-session, so drift between rounds cancels", () => {
    const ours = summarise([
      { rps: 110, p99: 5 },
      { rps: 55, p99: 9 },
      { rps: 90, p99: 6 }
    ])
    const upstream = summarise([
      { rps: 100, p99: 7 },
      { rps: 50, p99: 8 },
      { rps: 100, p99: 8 }
    ])
    // the medians alone (90 and 100) would say 0.9; round by round ours won twice
    expect(ratio(ours, upstream)).toBe(1.1)
    expect(() => ratio(ours, summarise([{ rps: 1, p99: 1 }]))).toThrow('same rounds')
  })

  it('the chart has a bar per variant and scenario, labelled with its figure and the ratio', () => {
    const rows = [{ scenario: 'read', ratio: 1.05, bare: { rps: 200 }, upstream: { rps: 100 }, ours: { rps: 105 } }]
    const svg = chartSvg(rows, { bare: 'Express alone', upstream: 'express-session 1.19.0', ours: 'ours' })
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(3)
    expect(svg).toContain('ours ÷ express-session: 1.050')
    expect(svg).toContain('<title>ours: 105 req/s</title>')
  })
})

describe('the published results', () => {
  const report = JSON.parse(fs.readFileSync(results, 'utf8')) as {
    machine: { cpus: number; node: string }
    settings: { rounds: number }
    results: Array<{
      scenario: string
      ratio: number
      bare: { rps: number; runs: number[] }
      upstream: { rps: number; runs: number[] }
      ours: { rps: number; runs: number[] }
    }>
    durationSeconds: number
  }

  it('cover every scenario, with every round recorded', () => {
    expect(report.results.map((r) => r.scenario)).toEqual(Object.keys(SCENARIOS))
    for (const row of report.results) {
      for (const variant of ['bare', 'upstream', 'ours'] as const)
        expect(row[variant].runs).toHaveLength(report.settings.rounds)
    }
  })

  it('state medians and ratios that follow from the rounds recorded', () => {
    for (const row of report.results) {
      expect(row.ratio).toBeCloseTo(median(row.ours.runs.map((rps, i) => rps / row.upstream.runs[i])), 2)
      expect(row.ours.rps).toBe(Math.round(median(row.ours.runs)))
      expect(row.upstream.rps).toBe(Math.round(median(row.upstream.runs)))
    }
  })

  it("are the figures the chapter's table shows", () => {
    const readme = fs.readFileSync(new URL('../chapters/12-cost/README.md', import.meta.url), 'utf8')
    expect(withTable(readme, report as unknown as TableReport)).toBe(readme)
  })

  it('were measured on the kind of machine the chapter names, within three minutes', () => {
    expect(report.machine.cpus).toBe(2)
    expect(report.machine.node).toMatch(/^v20\./)
    expect(report.durationSeconds).toBeLessThan(180)
  })
})
