/**
 * The micro-benchmarks: the separate pieces of work the middleware does on a
 * request, and the ways to do some of them faster, each timed with tinybench.
 *
 * `npm run bench` compiles this file with tsc and runs it in a plain `node`
 * process (see `runMicro` in `runtimes.ts`), so that tsx's keepNames calls do
 * not land in the code timed here. The few lines each row times are written
 * again below rather than imported: the library does not export its private
 * helpers, and each copy is a line or five, which keeps what is timed in view.
 */
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import cookie from 'cookie'
import signature from 'cookie-signature'
import createDebug from 'debug'
import { Bench } from 'tinybench'
import { Cookie, MemoryStore } from '../../src/index.js'

/** One row: a piece of a request's work, or one way of doing a job that has several. */
export interface MicroResult {
  name: string
  /** Where in the code the piece is, or the job's alternatives are. */
  where: string
  /** The job, for rows that are alternatives; the first row of a group is the way the others are compared with. */
  group?: string
  opsPerSecond: number
  meanMicros: number
}

/** What a micro run gives: its rows, and notes on rows it could not measure. */
export interface MicroRun {
  rows: MicroResult[]
  notes: string[]
}

/** Upstream's way to serialise a session for its fingerprint: a replacer that skips the top-level cookie. */
function serializeWithReplacer(sess: object): string {
  return JSON.stringify(sess, function (this: unknown, key: string, val: unknown) {
    return this === sess && key === 'cookie' ? undefined : val
  })
}

/**
 * The other way: a shallow copy without the cookie, serialised as is. (The
 * experiment's version also defines a stored `__proto__` key and defers to
 * `toJSON`; neither happens with this session.)
 */
function serializeCopy(sess: Record<string, unknown>): string {
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(sess)) if (key !== 'cookie') copy[key] = sess[key]
  return JSON.stringify(copy)
}

const pool = Buffer.alloc(24 * 128)
let offset = pool.length

/** The pooled id source: 24 bytes at a time from a buffer refilled by the CSPRNG 128 ids at a time. */
function pooledId(): string {
  if (offset === pool.length) {
    crypto.randomFillSync(pool)
    offset = 0
  }
  offset += 24
  return pool.subarray(offset - 24, offset).toString('base64url')
}

/** esbuild's keepNames helper, as tsx's output defines it. */
const __name = (target: object, value: string) => Object.defineProperty(target, 'name', { value, configurable: true })

/**
 * Sixteen functions declared inside a function, as many as upstream's
 * middleware creates with a name on each request (its ten helpers, `end`,
 * `writeend`, `writetop`, `reload`, `save`, and one store callback); as tsc
 * emits them, nothing else happens.
 */
// prettier-ignore
function sixteenClosures(n: number): number {
  function a() { return n + 1 }
  function b() { return n + 2 }
  function c() { return n + 3 }
  function d() { return n + 4 }
  function e() { return n + 5 }
  function f() { return n + 6 }
  function g() { return n + 7 }
  function h() { return n + 8 }
  function i() { return n + 9 }
  function j() { return n + 10 }
  function k() { return n + 11 }
  function l() { return n + 12 }
  function m() { return n + 13 }
  function o() { return n + 14 }
  function p() { return n + 15 }
  function q() { return n + 16 }
  return [a, b, c, d, e, f, g, h, i, j, k, l, m, o, p, q][n % 16]()
}

/** The same sixteen, each followed by the `__name` call esbuild's keepNames adds after a nested declaration. */
// prettier-ignore
function sixteenClosuresNamed(n: number): number {
  function a() { return n + 1 }
  __name(a, 'a')
  function b() { return n + 2 }
  __name(b, 'b')
  function c() { return n + 3 }
  __name(c, 'c')
  function d() { return n + 4 }
  __name(d, 'd')
  function e() { return n + 5 }
  __name(e, 'e')
  function f() { return n + 6 }
  __name(f, 'f')
  function g() { return n + 7 }
  __name(g, 'g')
  function h() { return n + 8 }
  __name(h, 'h')
  function i() { return n + 9 }
  __name(i, 'i')
  function j() { return n + 10 }
  __name(j, 'j')
  function k() { return n + 11 }
  __name(k, 'k')
  function l() { return n + 12 }
  __name(l, 'l')
  function m() { return n + 13 }
  __name(m, 'm')
  function o() { return n + 14 }
  __name(o, 'o')
  function p() { return n + 15 }
  __name(p, 'p')
  function q() { return n + 16 }
  __name(q, 'q')
  return [a, b, c, d, e, f, g, h, i, j, k, l, m, o, p, q][n % 16]()
}

/** The debug that express-session itself loads (2.6.9, installed under it), as it makes its logger. */
function loadUpstreamDebug(): (formatter: string, ...args: unknown[]) => void {
  const fromUpstream = createRequire(createRequire(import.meta.url).resolve('express-session'))
  return (fromUpstream('debug') as (namespace: string) => (formatter: string, ...args: unknown[]) => void)(
    'express-session'
  )
}

/** uid-safe's sync id maker, if it is installed (express-session depends on it; this repository does not). */
function loadUidSafe(): ((bytes: number) => string) | undefined {
  try {
    return (createRequire(import.meta.url)('uid-safe') as { sync: (bytes: number) => string }).sync
  } catch {
    return undefined
  }
}

/** Run every task for a fixed time; pieces first, in the order of a request's life, then the alternatives. */
export async function microBenchmarks(): Promise<MicroRun> {
  const notes: string[] = []
  const secret = 'benchmark secret'
  const id = crypto.randomBytes(24).toString('base64url')
  const signed = signature.sign(id, secret)
  const header = `theme=dark; connect.sid=${encodeURIComponent('s:' + signed)}; lang=en`
  const data = { cookie: new Cookie({ maxAge: 3_600_000 }), views: 42, user: 'rasmus', cart: ['a', 'b', 'c'] }
  const serialized = serializeWithReplacer(data)
  const store = new MemoryStore()
  store.set(id, data)

  const bench = new Bench({ time: 250, warmupTime: 50 })
  const where = new Map<string, { where: string; group?: string }>()
  /** Add a task, remembering where it belongs. */
  function add(name: string, place: string, fn: () => unknown, group?: string): void {
    where.set(name, { where: place, group })
    bench.add(name, fn)
  }

  add('parse the Cookie header (cookie.parse)', '`getcookie`, chapter 04', () => cookie.parse(header))
  add('check the signature (cookie-signature unsign)', '`unsigncookie`, chapter 04', () =>
    signature.unsign(signed, secret)
  )
  add(
    'MemoryStore.get (JSON.parse, deferred callback)',
    '`MemoryStore.get`, chapter 09',
    () => new Promise<void>((resolve) => store.get(id, () => resolve()))
  )
  add('sign the id (cookie-signature sign)', '`setcookie`, chapter 05', () => signature.sign(id, secret))
  add('write Set-Cookie (Cookie serialize)', '`Cookie.prototype.serialize`, chapter 07', () =>
    data.cookie.serialize('connect.sid', 's:' + signed)
  )
  add(
    'MemoryStore.set (JSON.stringify, deferred callback)',
    '`MemoryStore.set`, chapter 09',
    () => new Promise<void>((resolve) => store.set(id, data, () => resolve()))
  )

  const serialise = 'serialise the session without its cookie'
  add('a JSON.stringify replacer (express-session)', '`hash`, chapter 05', () => serializeWithReplacer(data), serialise)
  add('a copy without the cookie', '`hash`, chapter 05', () => serializeCopy(data), serialise)

  const sha1 = 'SHA-1 of the serialised session, as hex'
  add(
    'createHash().update().digest() (express-session)',
    '`hash`, chapter 05',
    () => crypto.createHash('sha1').update(serialized, 'utf8').digest('hex'),
    sha1
  )
  add('the one-shot crypto.hash', '`hash`, chapter 05', () => crypto.hash('sha1', serialized, 'hex'), sha1)

  const newId = 'make a new id: 24 random bytes as base64url'
  const uidSafe = loadUidSafe()
  if (uidSafe) add('uid-safe sync (express-session)', '`generateSessionId`, chapter 04', () => uidSafe(24), newId)
  else notes.push('uid-safe is not installed here, so express-session’s own id maker was not measured.')
  add(
    'crypto.randomBytes(24).toString',
    '`generateSessionId`, chapter 04',
    () => crypto.randomBytes(24).toString('base64url'),
    newId
  )
  add('a pool refilled 128 ids at a time', '`generateSessionId`, chapter 04', () => pooledId(), newId)

  const quiet = 'a debug() call while debugging is off'
  const upstreamDebug = loadUpstreamDebug()
  const logger = createDebug('express-session')
  // decided as the library decides it, once: the logger when its namespace is on, else an empty function
  const decidedOnce: (formatter: string, ...args: unknown[]) => void = logger.enabled ? logger : function () {}
  if (logger.enabled) notes.push('DEBUG enables express-session here, so the debug rows were not measured.')
  else {
    add(
      "debug 2.6.9, express-session's: a stored answer",
      '`debug`, chapter 01',
      () => upstreamDebug('fetching %s', id),
      quiet
    )
    add("debug 4's own check, on every call", '`debug`, chapter 01', () => logger('fetching %s', id), quiet)
    add('decided once: an empty function', '`debug`, chapter 01', () => decidedOnce('fetching %s', id), quiet)
  }

  const closures = 'create sixteen named nested functions, as one request does'
  let n = 0
  add('as tsc emits them', 'the middleware, chapters 04 and 05', () => sixteenClosures(n++), closures)
  add(
    "named with `__name`, as tsx's keepNames emits them",
    'the middleware, chapters 04 and 05',
    () => sixteenClosuresNamed(n++),
    closures
  )

  await bench.run()
  const rows = bench.tasks.map((task) => {
    const result = task.result as unknown as { throughput?: { mean: number }; latency?: { mean: number } }
    return {
      name: task.name,
      ...where.get(task.name),
      opsPerSecond: Math.round(result.throughput?.mean ?? 0),
      meanMicros: Number(((result.latency?.mean ?? 0) * 1000).toFixed(3))
    } as MicroResult
  })
  return { rows, notes }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const run = await microBenchmarks()
  if (process.send) process.send(run, () => process.exit(0))
  else console.log(JSON.stringify(run, null, 2))
}
