// Chapter 12: what one request asks of the session machinery, per scenario,
// next to the figures `npm run bench` measured.
// Run: npx tsx chapters/12-cost/try.ts
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import express from 'express'
import session, { MemoryStore } from '../../src/index.js'
import type { BenchReport } from '../../scripts/bench/report.js'
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

const report = JSON.parse(fs.readFileSync(new URL('results.json', import.meta.url), 'utf8')) as BenchReport
console.log(
  `\nMeasured by npm run bench on ${report.date.slice(0, 10)}, ${report.machine.cpus} × ${report.machine.cpu}, Node.js ${report.machine.node} (requests per second; × is ÷ express-session):`
)
for (const v of report.variants) {
  const figures = report.results.map((r) => {
    const ratio = r.ratios[v.id] === undefined ? '' : ` ×${r.ratios[v.id].toFixed(3)}`
    return `${r.scenario} ${r.variants[v.id].rps}${ratio}`
  })
  console.log(`  ${v.label.padEnd(44)} ${figures.join(' · ')}`)
}
const share = report.results.map(
  (r) => `${r.scenario} ${Math.round(100 * (1 - r.variants.upstream.rps / r.variants.bare.rps))} %`
)
console.log(`  the share of a request that express-session takes: ${share.join(' · ')}`)
