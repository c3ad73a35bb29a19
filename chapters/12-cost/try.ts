// Chapter 12: what one request asks of the session machinery, per scenario,
// next to the figures `npm run bench` measured.
// Run: npx tsx chapters/12-cost/try.ts
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import express from 'express'
import session, { MemoryStore } from '../../src/index.js'
import { SCENARIOS } from '../../scripts/bench/server.js'

console.log('One request of each benchmark scenario, with ours and a MemoryStore:')
for (const [scenario, options] of Object.entries(SCENARIOS)) {
  const store = new MemoryStore()
  const calls: string[] = []
  for (const method of ['get', 'set', 'touch'] as const) {
    const original = store[method].bind(store) as (...args: unknown[]) => void
    ;(store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      calls.push(method)
      original(...args)
    }
  }
  const app = express()
  app.use(session({ secret: 's', store, cookie: { maxAge: 3_600_000 }, ...options }))
  app.get('/setup', (req, res) => {
    ;(req.session as unknown as { views: number }).views = 0
    res.end()
  })
  app.get('/hit', (req, res) => {
    const sess = req.session as unknown as { views: number }
    if (scenario === 'modified') sess.views++
    res.end(String(sess.views ?? 0))
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const setup = await fetch(url + '/setup')
  const cookie = scenario === 'new' ? '' : (setup.headers.get('set-cookie') ?? '').split(';')[0]
  calls.length = 0
  const res = await fetch(url + '/hit', { headers: cookie ? { cookie } : {} })
  await res.text()
  const setCookie = res.headers.get('set-cookie')
  console.log(
    `  ${scenario.padEnd(9)} store: ${(calls.join(' + ') || 'nothing').padEnd(11)} Set-Cookie: ${setCookie ? `${setCookie.length} bytes` : 'none'}`
  )
  server.close()
}

const report = JSON.parse(fs.readFileSync(new URL('results.json', import.meta.url), 'utf8')) as {
  date: string
  machine: { cpus: number; cpu: string; node: string }
  results: Array<{
    scenario: string
    ratio: number
    bare: { rps: number }
    upstream: { rps: number }
    ours: { rps: number }
  }>
}
console.log(
  `\nMeasured by npm run bench on ${report.date.slice(0, 10)}, ${report.machine.cpus} × ${report.machine.cpu}, Node.js ${report.machine.node}:`
)
console.log(
  '  scenario   Express alone   express-session   ours    ours ÷ express-session   session share of a request'
)
for (const r of report.results) {
  const share = Math.round(100 * (1 - r.ours.rps / r.bare.rps))
  console.log(
    `  ${r.scenario.padEnd(9)} ${String(r.bare.rps).padStart(9)} req/s ${String(r.upstream.rps).padStart(11)} req/s ${String(r.ours.rps).padStart(6)} req/s ${r.ratio.toFixed(3).padStart(12)} ${String(share).padStart(24)} %`
  )
}
