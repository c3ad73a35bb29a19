/**
 * `npm run bench`: what a session costs per request, beside express-session.
 *
 * Three servers (Express alone, with express-session 1.19.0, with ours),
 * each its own process on 127.0.0.1, driven by autocannon from this process.
 * Runs are interleaved — for each round, every scenario, every variant — so
 * that whatever the machine does meanwhile falls on all of them alike. The
 * median of the rounds is reported, with ours ÷ express-session.
 *
 * Options: --rounds N (5), --seconds S (2), --connections C (10), --no-micro,
 * --out DIR (chapters/12-cost).
 */
import { fork, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { SCENARIOS, type Variant } from './bench/server.js'
import { chartSvg } from './bench/chart.js'
import { microBenchmarks } from './bench/micro.js'
import { ratio, summarise, type Summary } from './bench/stats.js'
import { withTable } from './bench/table.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const VARIANTS: Variant[] = ['bare', 'upstream', 'ours']
const LABEL: Record<Variant, string> = { bare: 'Express alone', upstream: 'express-session 1.19.0', ours: 'ours' }

/** A command-line option's value, or its default. */
function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : process.argv[at + 1]
}

const rounds = Number(option('rounds', '5'))
const seconds = Number(option('seconds', '2'))
const connections = Number(option('connections', '10'))
const outDir = path.resolve(root, option('out', 'chapters/12-cost'))

/** Start one variant's server as a child process; resolve with its base URL. */
function startServer(variant: Variant): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(path.join(root, 'scripts/bench/server.ts'), [variant], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, url: `http://127.0.0.1:${message.port}` }))
    child.once('exit', (code) => reject(new Error(`the ${variant} server exited with ${code}`)))
  })
}

/** The cookie a scenario sends: the session made by its setup route ('' for a new session each time). */
async function cookieFor(url: string, scenario: string): Promise<string> {
  if (scenario === 'new') return ''
  const res = await fetch(`${url}/${scenario}/setup`)
  return (res.headers.get('set-cookie') ?? '').split(';')[0]
}

/** Check a scenario behaves as it claims before measuring it. */
async function check(variant: Variant, url: string, scenario: string, cookie: string): Promise<void> {
  const res = await fetch(`${url}/${scenario}/hit`, { headers: cookie ? { cookie } : {} })
  await res.text()
  const sets = res.headers.get('set-cookie') !== null
  const expected = variant !== 'bare' && scenario !== 'read'
  if (res.status !== 200 || sets !== expected) {
    throw new Error(
      `${variant}/${scenario}: status ${res.status}, Set-Cookie ${sets ? 'sent' : 'absent'} (expected ${expected ? 'sent' : 'absent'})`
    )
  }
}

/** One autocannon run. */
async function measure(
  url: string,
  scenario: string,
  cookie: string,
  duration: number
): Promise<{ rps: number; p99: number }> {
  const result = await autocannon({
    url: `${url}/${scenario}/hit`,
    connections,
    duration,
    headers: cookie ? { cookie } : {}
  })
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}/${scenario}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return { rps: result.requests.average, p99: result.latency.p99 }
}

const started = Date.now()
const servers = new Map<Variant, { child: ChildProcess; url: string }>()
try {
  for (const variant of VARIANTS) servers.set(variant, await startServer(variant))
  const cookies = new Map<string, string>()
  for (const variant of VARIANTS) {
    for (const scenario of Object.keys(SCENARIOS)) {
      const { url } = servers.get(variant) as { url: string }
      const cookie = await cookieFor(url, scenario)
      cookies.set(`${variant}/${scenario}`, cookie)
      await check(variant, url, scenario, cookie)
      await measure(url, scenario, cookie, 1) // warm-up, not recorded
    }
  }
  console.log(
    `Checked and warmed up; ${rounds} interleaved rounds of ${seconds} s per run, ${connections} connections.`
  )

  const samples = new Map<string, Array<{ rps: number; p99: number }>>()
  for (let round = 1; round <= rounds; round++) {
    // each round starts with a different variant, so that none always runs first or last
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length])
    for (const scenario of Object.keys(SCENARIOS)) {
      for (const variant of order) {
        const key = `${variant}/${scenario}`
        const sample = await measure(
          (servers.get(variant) as { url: string }).url,
          scenario,
          cookies.get(key) ?? '',
          seconds
        )
        samples.set(key, [...(samples.get(key) ?? []), sample])
      }
    }
    console.log(`round ${round}/${rounds} done`)
  }

  const results = Object.keys(SCENARIOS).map((scenario) => {
    const summary = (variant: Variant): Summary => summarise(samples.get(`${variant}/${scenario}`) ?? [])
    const [bare, upstream, ours] = VARIANTS.map(summary)
    return { scenario, bare, upstream, ours, ratio: ratio(ours, upstream) }
  })

  console.log('\nmedian requests/s (p99 latency, ms)')
  console.log(
    ['scenario'.padEnd(10), ...VARIANTS.map((v) => LABEL[v].padStart(26)), 'ours ÷ express-session'.padStart(24)].join(
      ' '
    )
  )
  for (const row of results) {
    console.log(
      [
        row.scenario.padEnd(10),
        ...VARIANTS.map((v) => `${row[v].rps} (${row[v].p99} ms)`.padStart(26)),
        row.ratio.toFixed(3).padStart(24)
      ].join(' ')
    )
  }

  const micro = process.argv.includes('--no-micro') ? [] : await microBenchmarks()
  if (micro.length > 0) {
    console.log('\nwhere the time goes inside the middleware (tinybench, this process)')
    console.log(['operation'.padEnd(52), 'ops/s'.padStart(12), 'mean µs'.padStart(10)].join(' '))
    for (const m of micro)
      console.log(
        [m.name.padEnd(52), String(m.opsPerSecond).padStart(12), m.meanMicros.toFixed(2).padStart(10)].join(' ')
      )
  }

  const machine = {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`
  }
  const report = {
    date: new Date().toISOString(),
    machine,
    settings: { rounds, seconds, connections },
    results,
    micro,
    durationSeconds: Math.round((Date.now() - started) / 1000)
  }
  fs.mkdirSync(outDir, { recursive: true })
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(report, null, 2) + '\n')
  fs.writeFileSync(path.join(outDir, 'chart.svg'), chartSvg(results, LABEL))
  const readme = path.join(outDir, 'README.md')
  if (fs.existsSync(readme)) fs.writeFileSync(readme, withTable(fs.readFileSync(readme, 'utf8'), report))
  console.log(
    `\nwrote ${path.relative(root, path.join(outDir, 'results.json'))} and chart.svg in ${report.durationSeconds} s`
  )
} finally {
  for (const { child } of servers.values()) child.kill()
}
