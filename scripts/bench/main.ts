/**
 * `npm run bench`: what a session costs per request, beside express-session.
 *
 * Four servers, each its own process on 127.0.0.1, driven by autocannon from
 * this process: Express alone, with express-session 1.19.0, with ours compiled
 * by tsc and run by plain `node` (as upstream ships: JavaScript), and with ours
 * loaded through tsx (as the chapters run it). `--experiment NAME` adds an
 * experiment from `experiments/`, compiled and through tsx. Runs are
 * interleaved — for each round, every scenario, every variant, each round
 * starting with a different variant — so that whatever the machine does
 * meanwhile falls on all of them alike. The median of the rounds is reported,
 * and each session variant ÷ express-session as the median of the rounds' own
 * ratios. Then the micro-benchmarks run, compiled, in a plain `node` process.
 *
 * Options: --rounds N (5), --seconds S (2), --connections C (10), --no-micro,
 * --out DIR (chapters/12-cost), --experiment hoisted. A bad command line exits
 * with code 2 before anything starts.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { chartSvg } from './chart.js'
import { compile, runMicro, startServer, type Server } from './runtimes.js'
import type { MicroRun } from './micro.js'
import { parseOptions, USAGE, UsageError, type BenchOptions } from './options.js'
import { BARE, EXPERIMENTS, REFERENCE, variantsFor, type BenchReport, type VariantSpec } from './report.js'
import { SCENARIOS } from './server.js'
import { ratio, summarise, type Summary } from './stats.js'
import { withTables } from './table.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The command line, or exit code 2 with the reason. */
function readOptions(): BenchOptions {
  try {
    return parseOptions(process.argv.slice(2), Object.keys(EXPERIMENTS))
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    console.error(`npm run bench: ${err.message}\n${USAGE}`)
    process.exit(2)
  }
}

const options = readOptions()
const { rounds, seconds, connections } = options
const outDir = path.resolve(root, options.out)
const variants = variantsFor(options.experiments)
const scenarios = Object.keys(SCENARIOS)

/** The cookie a scenario sends: the session made by its setup route ('' for a new session each time). */
async function cookieFor(url: string, scenario: string): Promise<string> {
  if (scenario === 'new') return ''
  const res = await fetch(`${url}/${scenario}/setup`)
  return (res.headers.get('set-cookie') ?? '').split(';')[0]
}

/** Check a scenario behaves as it claims before measuring it. */
async function check(variant: VariantSpec, url: string, scenario: string, cookie: string): Promise<void> {
  const res = await fetch(`${url}/${scenario}/hit`, { headers: cookie ? { cookie } : {} })
  await res.text()
  const sets = res.headers.get('set-cookie') !== null
  const expected = variant.id !== BARE && scenario !== 'read'
  if (res.status !== 200 || sets !== expected) {
    throw new Error(
      `${variant.label}, ${scenario}: status ${res.status}, Set-Cookie ${sets ? 'sent' : 'absent'} (expected ${expected ? 'sent' : 'absent'})`
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

/** Print the figures as a table: one line per scenario, one column per variant. */
function printResults(results: BenchReport['results']): void {
  const cell = (row: BenchReport['results'][number], id: string) => {
    const { rps, p99 } = row.variants[id]
    return `${rps} (${p99} ms)` + (id in row.ratios ? ` ×${row.ratios[id].toFixed(3)}` : '')
  }
  const widths = variants.map((v) => Math.max(v.label.length, ...results.map((row) => cell(row, v.id).length)) + 2)
  console.log(`\nmedian requests/s (p99 latency); ×: ÷ express-session, median of the rounds' ratios`)
  console.log(['scenario'.padEnd(10), ...variants.map((v, i) => v.label.padStart(widths[i]))].join(''))
  for (const row of results)
    console.log([row.scenario.padEnd(10), ...variants.map((v, i) => cell(row, v.id).padStart(widths[i]))].join(''))
}

/** Print the micro-benchmarks; an alternative shows its speed as a multiple of its group's first row. */
function printMicro(micro: MicroRun): void {
  console.log('\nmicro-benchmarks (tinybench, compiled, plain node)')
  console.log(['operation'.padEnd(58), 'ops/s'.padStart(12), 'mean µs'.padStart(10), '× first'.padStart(9)].join(' '))
  let group: string | undefined
  let first = 0
  for (const m of micro.rows) {
    if (m.group !== group) {
      group = m.group
      first = m.meanMicros
      if (group) console.log(`  ${group}:`)
    }
    const times = group ? (first / m.meanMicros).toFixed(2) : ''
    const name = group ? `    ${m.name}` : m.name
    console.log(
      [
        name.padEnd(58),
        String(m.opsPerSecond).padStart(12),
        m.meanMicros.toFixed(3).padStart(10),
        times.padStart(9)
      ].join(' ')
    )
  }
  for (const note of micro.notes) console.log(`note: ${note}`)
}

/** Measure everything and write the report; the servers and the compiled folder are gone afterwards. */
async function main(): Promise<void> {
  const started = Date.now()
  console.log('Compiling ours, the experiments and the benchmark server with tsc…')
  const compiled = compile(root)
  const servers = new Map<string, Server>()
  const cleanUp = () => {
    for (const { child } of servers.values()) child.kill()
    compiled.remove()
  }
  const interrupted = () => {
    cleanUp()
    process.exit(130)
  }
  process.once('SIGINT', interrupted)
  process.once('SIGTERM', interrupted)
  try {
    for (const variant of variants) servers.set(variant.id, await startServer(variant, root, compiled))
    const url = (id: string) => (servers.get(id) as Server).url
    const cookies = new Map<string, string>()
    for (const variant of variants) {
      for (const scenario of scenarios) {
        const cookie = await cookieFor(url(variant.id), scenario)
        cookies.set(`${variant.id}/${scenario}`, cookie)
        await check(variant, url(variant.id), scenario, cookie)
        await measure(url(variant.id), scenario, cookie, 1) // warm-up, not recorded
      }
    }
    console.log(
      `Checked and warmed up ${variants.length} variants; ${rounds} interleaved rounds of ${seconds} s per run, ${connections} connections.`
    )

    const samples = new Map<string, Array<{ rps: number; p99: number }>>()
    for (let round = 1; round <= rounds; round++) {
      // each round starts with a different variant, so that none always runs first or last
      const order = variants.map((_, i) => variants[(i + round) % variants.length])
      for (const scenario of scenarios) {
        for (const variant of order) {
          const key = `${variant.id}/${scenario}`
          const sample = await measure(url(variant.id), scenario, cookies.get(key) ?? '', seconds)
          samples.set(key, [...(samples.get(key) ?? []), sample])
        }
      }
      console.log(`round ${round}/${rounds} done`)
    }

    const results = scenarios.map((scenario) => {
      const summaries: Record<string, Summary> = {}
      for (const v of variants) summaries[v.id] = summarise(samples.get(`${v.id}/${scenario}`) ?? [])
      const ratios: Record<string, number> = {}
      for (const v of variants)
        if (v.id !== BARE && v.id !== REFERENCE) ratios[v.id] = ratio(summaries[v.id], summaries[REFERENCE])
      return { scenario, variants: summaries, ratios }
    })
    printResults(results)

    const micro = options.micro ? await runMicro(compiled) : { rows: [], notes: [] }
    if (options.micro) printMicro(micro)

    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`
      },
      settings: { rounds, seconds, connections },
      variants: variants.map(({ id, label, runtime, experiment }) => ({ id, label, runtime, experiment })),
      results,
      micro: micro.rows,
      microNotes: micro.notes,
      durationSeconds: Math.round((Date.now() - started) / 1000)
    }
    fs.mkdirSync(outDir, { recursive: true })
    fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(report, null, 2) + '\n')
    fs.writeFileSync(path.join(outDir, 'chart.svg'), chartSvg(report))
    const readme = path.join(outDir, 'README.md')
    const wrote = ['results.json', 'chart.svg']
    if (fs.existsSync(readme)) {
      fs.writeFileSync(readme, withTables(fs.readFileSync(readme, 'utf8'), report))
      wrote.push("README.md's tables")
    }
    const where = outDir.startsWith(root) ? path.relative(root, outDir) : outDir
    console.log(`\nwrote ${wrote.join(', ')} in ${where}; ${report.durationSeconds} s in all`)
  } finally {
    cleanUp()
  }
}

await main()
