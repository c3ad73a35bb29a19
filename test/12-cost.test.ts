/**
 * Chapter 12 — cost. No timing is asserted here (timings belong to
 * `npm run bench`); these tests prove that each benchmark scenario does
 * what the chapter says it measures, on every implementation the benchmark
 * loads, that the compiled variant really runs without tsx, that the
 * benchmark refuses a bad command line, that the figures are summarised
 * honestly, and that the published results hang together.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it, onTestFinished } from 'vitest'
import { chartSvg } from '../scripts/bench/chart.js'
import { parseOptions, UsageError } from '../scripts/bench/options.js'
import { variantsFor, type BenchReport, type Variant, type VariantSpec } from '../scripts/bench/report.js'
import { compile, startServer } from '../scripts/bench/runtimes.js'
import { benchApp, hasKeepNames, loadSession, SCENARIOS } from '../scripts/bench/server.js'
import { median, ratio, summarise } from '../scripts/bench/stats.js'
import { alternativesTable, experimentTable, resultsTable, withTables } from '../scripts/bench/table.js'
import { sessionApp } from './support/apps.js'
import { cookieHeader, setCookies } from './support/cookies.js'
import { serve } from './support/http.js'
import { bothImplementations, type SessionModule } from './support/implementations.js'
import { countCalls, syncStore } from './support/stores.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const results = new URL('../chapters/12-cost/results.json', import.meta.url)

describe.each(['upstream', 'ours', 'hoisted'] as const)('the benchmark scenarios, with %s', (module) => {
  /** Set a scenario up and make two measured requests, as the benchmark does. */
  async function hit(scenario: string) {
    const { client } = await serve(benchApp(await loadSession(module)))
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
    const { client } = await serve(benchApp(await loadSession('bare')))
    for (const scenario of Object.keys(SCENARIOS)) {
      const res = await client.get(`/${scenario}/hit`).expect(200, 'ok')
      expect(setCookies(res)).toEqual([])
    }
  })
})

describe('the variants', () => {
  it('a run measures Express alone, express-session, ours compiled and ours through tsx; an experiment adds both its forms', () => {
    expect(variantsFor([]).map((v) => `${v.id}:${v.runtime}`)).toEqual([
      'bare:node',
      'upstream:node',
      'ours-js:node',
      'ours-tsx:tsx'
    ])
    expect(variantsFor(['hoisted']).slice(4)).toMatchObject([
      { id: 'hoisted-js', runtime: 'node', module: 'hoisted', experiment: 'hoisted' },
      { id: 'hoisted-tsx', runtime: 'tsx', module: 'hoisted', experiment: 'hoisted' }
    ])
  })

  it("keepNames leaves its mark in a function's source, which the servers report", () => {
    const __name = (fn: object, name: string) => Object.defineProperty(fn, 'name', { value: name })
    function named() {
      function f() {}
      __name(f, 'f')
      return f
    }
    expect(hasKeepNames(named)).toBe(true)
    expect(hasKeepNames(function plain() {})).toBe(false)
    expect(hasKeepNames(undefined)).toBe(false)
  })

  it('compiled by tsc, ours runs under plain node with no keepNames and no source maps; through tsx, with both', async () => {
    const compiled = compile(root)
    onTestFinished(() => compiled.remove())
    const [js, tsx] = variantsFor([]).filter((v) => v.module === 'ours') as [VariantSpec, VariantSpec]
    for (const variant of [js, tsx]) {
      const server = await startServer(variant, root, compiled)
      onTestFinished(() => void server.child.kill())
      expect(server.ready, variant.id).toMatchObject(
        variant.runtime === 'node' ? { keepNames: false, sourceMaps: false } : { keepNames: true, sourceMaps: true }
      )
      const setup = await fetch(`${server.url}/modified/setup`)
      const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0]
      const res = await fetch(`${server.url}/modified/hit`, { headers: { cookie } })
      expect(await res.text()).toBe('1')
    }
    expect(fs.readFileSync(compiled.file('src/index.ts'), 'utf8')).not.toContain('__name(')
  }, 30_000)
})

describe('what tsx adds', () => {
  // the esbuild that tsx itself loads, and the options tsx 4 passes it (node_modules/tsx/dist)
  const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild') as typeof import('esbuild')
  const keepNames = (code: string, loader: 'ts' | 'js') =>
    esbuild.transformSync(code, { loader, format: 'esm', keepNames: true, target: `node${process.versions.node}` }).code
  const nested =
    'export function middleware(req: { n: number }) {\n  function shouldSave() {\n    return req.n > 0\n  }\n  return shouldSave()\n}\n'

  it("esbuild's keepNames names a nested function again each time its outer function runs; tsc's output does not", () => {
    const body = (code: string) => code.slice(code.indexOf('function middleware('), code.indexOf('return shouldSave()'))
    expect(body(keepNames(nested, 'ts'))).toContain('__name(shouldSave, "shouldSave");')
    const tsc = ts.transpileModule(nested, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext }
    })
    expect(body(tsc.outputText)).toContain('function shouldSave()')
    expect(tsc.outputText).not.toContain('__name')
  })

  /** The functions keepNames names inside the middleware that `session()` returns, in order. */
  const namedInMiddleware = (file: string, loader: 'ts' | 'js') => {
    const code = keepNames(fs.readFileSync(file, 'utf8'), loader)
    const middleware = code.slice(code.indexOf('function session2(req, res, next)'), code.indexOf('}, "session");'))
    return [...middleware.matchAll(/__name\((?:function )?(\w+)/g)].map((m) => m[1])
  }

  it("keepNames puts eighteen __name calls inside express-session's middleware: ten helpers, end and its two, reload and save, three store callbacks", () => {
    const named = namedInMiddleware(createRequire(import.meta.url).resolve('express-session'), 'js')
    expect(named).toEqual([
      'end',
      'writeend',
      'writetop',
      'ondestroy',
      'onsave',
      'ontouch',
      'generate',
      'inflate',
      'rewrapmethods',
      'reload',
      'save',
      'wrapmethods',
      'isModified',
      'isSaved',
      'shouldDestroy',
      'shouldSave',
      'shouldTouch',
      'shouldSetCookie'
    ])
  })

  it("through tsx, ours' middleware is named as express-session's would be; the hoisted experiment's keeps only end, its two and the store callbacks", () => {
    const upstream = namedInMiddleware(createRequire(import.meta.url).resolve('express-session'), 'js')
    expect(namedInMiddleware(`${root}/src/index.ts`, 'ts')).toEqual(upstream)
    expect(namedInMiddleware(`${root}/scripts/bench/experiments/hoisted.ts`, 'ts')).toEqual([
      'end',
      'writeend',
      'writetop',
      'ondestroy',
      'onsave',
      'ontouch'
    ])
  })
})

describe('what the speedups change that a program can see', () => {
  /**
   * Load a session and leave it unchanged while a getter on its `cookie` property counts the
   * reads: all of them, and those made from inside a function named `hash`.
   */
  async function cookieReadsOnAnUnchangedRead(session: SessionModule) {
    const reads = { all: 0, byHash: 0 }
    const store = syncStore(session.Store)
    const { client } = await sessionApp(
      session,
      { store, resave: false },
      {
        respond: (req, res) => {
          const cookie = req.session.cookie
          Object.defineProperty(req.session, 'cookie', {
            enumerable: true,
            configurable: true,
            get() {
              reads.all++
              if (/\bat hash \(/.test(new Error().stack ?? '')) reads.byHash++
              return cookie
            }
          })
          res.end()
        }
      }
    )
    const first = await client.get('/').expect(200)
    const writes = countCalls(store, 'set')
    const second = await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
    // nothing was saved and no cookie sent: the only difference is how the fingerprint is taken
    expect([writes.set, setCookies(second)]).toEqual([0, []])
    return reads
  }

  it("the hash never reads the session's cookie property in ours; express-session's reads it for every fingerprint, the rest alike", async () => {
    const [ours, upstream] = await Promise.all(
      bothImplementations.map(({ session }) => cookieReadsOnAnUnchangedRead(session))
    )
    expect(ours.byHash).toBe(0)
    expect(upstream.byHash).toBeGreaterThan(0)
    expect(ours.all).toBe(upstream.all - upstream.byHash)
  })
})

describe('the command line', () => {
  const experiments = ['hoisted']

  it('without arguments, five rounds of two seconds with ten connections, into chapter 12', () => {
    expect(parseOptions([], experiments)).toEqual({
      rounds: 5,
      seconds: 2,
      connections: 10,
      micro: true,
      out: 'chapters/12-cost',
      experiments: []
    })
    expect(
      parseOptions(['--rounds', '9', '--seconds', '0.5', '--no-micro', '--experiment', 'hoisted'], experiments)
    ).toMatchObject({ rounds: 9, seconds: 0.5, micro: false, experiments: ['hoisted'] })
  })

  it('a flag at the end without its value is an error, not NaN', () => {
    expect(() => parseOptions(['--rounds'], experiments)).toThrow(new UsageError('--rounds needs a value'))
    expect(() => parseOptions(['--seconds', '--no-micro'], experiments)).toThrow('--seconds needs a value')
  })

  it('a value that is not a positive number is an error', () => {
    for (const [flag, value] of [
      ['--rounds', 'five'],
      ['--rounds', '0'],
      ['--rounds', '2.5'],
      ['--seconds', '-1'],
      ['--seconds', ''],
      ['--connections', 'Infinity']
    ]) {
      expect(() => parseOptions([flag, value], experiments), `${flag} ${value}`).toThrow(UsageError)
    }
    expect(() => parseOptions(['--rounds', 'five'], experiments)).toThrow(
      '--rounds needs a positive whole number, not "five"'
    )
  })

  it('an unknown argument or experiment is an error', () => {
    expect(() => parseOptions(['--round', '3'], experiments)).toThrow('unknown argument "--round"')
    expect(() => parseOptions(['--experiment', 'inline'], experiments)).toThrow(
      'unknown experiment "inline"; known: hoisted'
    )
  })

  it('npm run bench stops with exit code 2 and the reason, before measuring anything', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'scripts/bench/main.ts', '--rounds'],
        { cwd: root },
        (err, _out, stderr) => resolve({ code: err ? (err.code as number) : 0, stderr })
      )
    })
    expect(code).toBe(2)
    expect(stderr).toContain('npm run bench: --rounds needs a value')
    expect(stderr).toContain('usage: npm run bench --')
  }, 20_000)
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
})

/** A small report with every kind of variant, for the table and chart tests. */
function sampleReport(): BenchReport {
  const runs = (...rps: number[]) => ({ rps: median(rps), p99: 5, runs: rps })
  return {
    date: '2026-01-02T03:04:05.000Z',
    machine: { cpus: 2, cpu: 'A CPU', memoryGiB: 8, node: 'v20.20.2', platform: 'linux' },
    settings: { rounds: 2, seconds: 2, connections: 10 },
    variants: variantsFor(['hoisted']).map(({ id, label, runtime, experiment }) => ({
      id,
      label,
      runtime,
      experiment
    })),
    results: [
      {
        scenario: 'read',
        variants: {
          bare: runs(200, 200),
          upstream: runs(100, 100),
          'ours-js': runs(110, 100),
          'ours-tsx': runs(90, 90),
          'hoisted-js': runs(110, 100),
          'hoisted-tsx': runs(99, 99)
        },
        ratios: { 'ours-js': 1.05, 'ours-tsx': 0.9, 'hoisted-js': 1.05, 'hoisted-tsx': 0.99 }
      }
    ],
    micro: [
      { name: 'parse', where: '`getcookie`', opsPerSecond: 1000, meanMicros: 1 },
      { name: 'slow way', where: '`hash`', group: 'hash', opsPerSecond: 100, meanMicros: 10 },
      { name: 'quick way', where: '`hash`', group: 'hash', opsPerSecond: 250, meanMicros: 4 }
    ],
    microNotes: ['uid-safe is not installed here'],
    durationSeconds: 42
  }
}

describe('the tables and the chart', () => {
  it('the main table shows compiled ours and ours through tsx beside express-session, each with its ratio', () => {
    const table = resultsTable(sampleReport())
    expect(table).toContain('the whole run took 42 s')
    expect(table).toContain(
      '| scenario | Express alone | express-session 1.19.0 | ours, compiled by tsc | ours, through tsx | ours, compiled by tsc ÷ express-session 1.19.0 | ours, through tsx ÷ express-session 1.19.0 |'
    )
    expect(table).toContain(
      '| read: a known session, only read | 200 req/s (5 ms) | 100 req/s (5 ms) | 105 req/s (5 ms) | 90 req/s (5 ms) | **1.050** | **0.900** |'
    )
    expect(table).not.toContain('hoisted')
  })

  it("the experiment's table compares each form with express-session and with ours in the same form", () => {
    const table = experimentTable(sampleReport())
    expect(table).toContain(
      '| scenario | helpers hoisted, compiled by tsc | ÷ express-session | ÷ ours, compiled by tsc | helpers hoisted, through tsx | ÷ express-session | ÷ ours, through tsx |'
    )
    // hoisted-tsx ÷ ours-tsx, round by round: 99/90 twice
    expect(table).toContain('| 105 req/s | **1.050** | **1.000** | 99 req/s | **0.990** | **1.100** |')
    const none = { ...sampleReport(), variants: sampleReport().variants.filter((v) => !v.experiment) }
    expect(experimentTable(none)).toContain('`npm run bench -- --experiment hoisted`')
  })

  it("the alternatives table gives each way's speed as a multiple of the first way's, and the run's notes", () => {
    const table = alternativesTable(sampleReport())
    expect(table).toContain('| hash | slow way | `hash` | 10.000 | ×1 |')
    expect(table).toContain('|  | quick way | `hash` | 4.000 | ×2.50 |')
    expect(table).toContain('uid-safe is not installed here')
  })

  it('withTables fills every block and insists on every pair of markers', () => {
    const blank = ['table', 'experiment', 'pieces', 'alternatives']
      .map((name) => `<!-- bench:${name} -->\nold\n<!-- /bench:${name} -->`)
      .join('\n\nprose\n\n')
    const filled = withTables(blank, sampleReport())
    expect(filled).not.toContain('old')
    expect(filled).toContain('| parse | `getcookie` | 1.000 | 1000 |')
    expect(withTables(filled, sampleReport())).toBe(filled)
    expect(() => withTables('<!-- bench:table -->\n<!-- /bench:table -->', sampleReport())).toThrow(
      'no <!-- bench:experiment -->'
    )
  })

  it('the chart has a bar per variant and scenario, labelled with its figure, and the ratios under each scenario', () => {
    const svg = chartSvg(sampleReport())
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(6)
    expect(svg).toContain('<title>ours, compiled by tsc: 105 req/s</title>')
    expect(svg).toContain('<title>ours, through tsx ÷ express-session</title>×0.900')
  })
})

describe('the published results', () => {
  const report = JSON.parse(fs.readFileSync(results, 'utf8')) as BenchReport

  it('cover every scenario, with every round of every variant recorded', () => {
    expect(report.results.map((r) => r.scenario)).toEqual(Object.keys(SCENARIOS))
    for (const row of report.results) {
      expect(Object.keys(row.variants)).toEqual(report.variants.map((v) => v.id))
      for (const summary of Object.values(row.variants)) expect(summary.runs).toHaveLength(report.settings.rounds)
    }
  })

  it('state medians and ratios that follow from the rounds recorded', () => {
    for (const row of report.results) {
      for (const summary of Object.values(row.variants)) expect(summary.rps).toBe(Math.round(median(summary.runs)))
      const compared = report.variants.filter((v) => v.id !== 'bare' && v.id !== 'upstream')
      expect(Object.keys(row.ratios)).toEqual(compared.map((v) => v.id))
      for (const [id, value] of Object.entries(row.ratios))
        expect(value).toBeCloseTo(median(row.variants[id].runs.map((rps, i) => rps / row.variants.upstream.runs[i])), 2)
    }
  })

  it("are the figures the chapter's tables and chart show", () => {
    const readme = fs.readFileSync(new URL('../chapters/12-cost/README.md', import.meta.url), 'utf8')
    expect(withTables(readme, report)).toBe(readme)
    expect(fs.readFileSync(new URL('../chapters/12-cost/chart.svg', import.meta.url), 'utf8')).toBe(chartSvg(report))
  })

  it('hold the six variants of a full run with the experiment, each in the form its label names', () => {
    const form = (v: Variant) => `${v.id} · ${v.runtime} · ${v.label}`
    expect(report.variants.map(form)).toEqual(variantsFor(['hoisted']).map(form))
    for (const v of report.variants) expect(v.label).toMatch(v.runtime === 'tsx' ? /through tsx$/ : /^(?!.*tsx)/)
  })

  it('every figure the prose quotes is in results.json or follows from its rounds', () => {
    const readme = fs.readFileSync(new URL('../chapters/12-cost/README.md', import.meta.url), 'utf8')
    const figures = figuresIn(report)
    const quoted = quotedFigures(readme)
    expect(quoted.length).toBeGreaterThan(50)
    const unfounded = quoted.filter((q) => !figures.some((f) => roundsTo(f, q)))
    expect(unfounded).toEqual([])
  })

  it('come from a full run with the default settings, on the kind of machine the chapter names', () => {
    expect(report.settings).toEqual({ rounds: 5, seconds: 2, connections: 10 })
    expect(report.machine.cpus).toBe(2)
    expect(report.machine.node).toMatch(/^v20\./)
  })
})

/**
 * The figures a chapter may quote from a report: each variant's medians, rounds and time per
 * request (a million ÷ requests per second); for every two variants of a scenario, each round's
 * ratio, their median, lowest and highest, and the difference in time per request; each
 * micro-benchmark row, and within a group the difference and speed ratio of every two ways; the
 * run's length; and 1, the goal's threshold.
 */
function figuresIn(report: BenchReport): number[] {
  const figures = [1, report.durationSeconds]
  for (const row of report.results) {
    figures.push(...Object.values(row.ratios))
    const ids = Object.keys(row.variants)
    for (const a of ids) {
      const { rps, p99, runs } = row.variants[a]
      figures.push(rps, p99, ...runs, 1e6 / rps)
      for (const b of ids) {
        const other = row.variants[b]
        const rounds = runs.map((r, i) => r / other.runs[i])
        figures.push(...rounds, median(rounds), Math.min(...rounds), Math.max(...rounds))
        figures.push(1e6 / rps - 1e6 / other.rps, Math.round(1e6 / rps) - Math.round(1e6 / other.rps))
      }
    }
  }
  for (const a of report.micro) {
    figures.push(a.meanMicros, a.opsPerSecond)
    for (const b of report.micro)
      if (a.group !== undefined && a.group === b.group)
        figures.push(a.meanMicros - b.meanMicros, b.meanMicros / a.meanMicros)
  }
  return figures
}

/**
 * The figures a chapter's prose quotes, outside the blocks `npm run bench` writes, code and link
 * targets: every number in a table row, and elsewhere a ratio (×1.011), a figure with its unit
 * (µs, ms, req/s) or a number with three decimals.
 */
function quotedFigures(markdown: string): string[] {
  const prose = markdown
    .replace(/<!-- bench:(\w+) -->[\s\S]*?<!-- \/bench:\1 -->/g, '')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/\]\([^)]*\)/g, ']')
  const quoted: string[] = []
  for (const line of prose.split('\n')) {
    if (line.startsWith('|')) quoted.push(...(line.match(/\d+(?:\.\d+)?/g) ?? []))
    else
      for (const m of line.matchAll(
        /×(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?) ?(?:µs|ms|req\/s)(?![\w/])|(?<![\d.])(\d\.\d{3})(?![\d.])/g
      ))
        quoted.push(m[1] ?? m[2] ?? m[3])
  }
  return quoted
}

/** Whether `figure`, rounded to as many decimals as `quoted` shows, is `quoted`. */
function roundsTo(figure: number, quoted: string): boolean {
  const decimals = quoted.split('.')[1]?.length ?? 0
  return figure.toFixed(decimals) === Number(quoted).toFixed(decimals)
}
