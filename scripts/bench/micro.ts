/**
 * The micro breakdown: the separate pieces of work the middleware does on a
 * request, each timed with tinybench in this process.
 */
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import cookie from 'cookie'
import signature from 'cookie-signature'
import { Bench } from 'tinybench'
import { Cookie, MemoryStore, type SessionData } from '../../src/index.js'

const require = createRequire(import.meta.url)

/** One row of the breakdown. */
export interface MicroResult {
  name: string
  opsPerSecond: number
  meanMicros: number
}

/** express-session's way to fingerprint a session: a replacer that skips the cookie, then a Hash object. */
function hashWithReplacer(sess: Record<string, unknown>): string {
  const str = JSON.stringify(sess, function (this: unknown, key: string, val: unknown) {
    return this === sess && key === 'cookie' ? undefined : val
  })
  return crypto.createHash('sha1').update(str, 'utf8').digest('hex')
}

/** Ours (src/index.ts, hash): a shallow copy without the cookie, then the one-shot crypto.hash. */
function hashWithCopy(sess: Record<string, unknown>): string {
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(sess)) if (key !== 'cookie') copy[key] = sess[key]
  return crypto.hash('sha1', JSON.stringify(copy), 'hex')
}

const pool = Buffer.alloc(24 * 128)
let offset = pool.length

/** Ours (src/index.ts, generateSessionId): 24 bytes from a pool refilled 128 ids at a time. */
function pooledId(): string {
  if (offset === pool.length) {
    crypto.randomFillSync(pool)
    offset = 0
  }
  offset += 24
  return pool.subarray(offset - 24, offset).toString('base64url')
}

/** Run every task for a fixed time; the rows are in the order of a request's life. */
export async function microBenchmarks(): Promise<MicroResult[]> {
  const secret = 'benchmark secret'
  const id = crypto.randomBytes(24).toString('base64url')
  const signed = signature.sign(id, secret)
  const header = `theme=dark; connect.sid=${encodeURIComponent('s:' + signed)}; lang=en`
  const data = { cookie: new Cookie({ maxAge: 3_600_000 }), views: 42, user: 'rasmus', cart: ['a', 'b', 'c'] }
  const uidSafe = require('uid-safe') as { sync: (bytes: number) => string }
  const store = new MemoryStore()
  store.set(id, data as unknown as SessionData)

  const bench = new Bench({ time: 250, warmupTime: 50 })
  bench
    .add('parse the Cookie header (cookie.parse)', () => {
      cookie.parse(header)
    })
    .add('check the signature (cookie-signature unsign)', () => {
      signature.unsign(signed, secret)
    })
    .add(
      'MemoryStore.get (JSON.parse, deferred callback)',
      () => new Promise<void>((resolve) => store.get(id, () => resolve()))
    )
    .add('hash the session: replacer + createHash (express-session)', () => {
      hashWithReplacer(data)
    })
    .add('hash the session: copy + crypto.hash (ours)', () => {
      hashWithCopy(data)
    })
    .add('make a new id: uid-safe (express-session)', () => {
      uidSafe.sync(24)
    })
    .add('make a new id: pooled randomFillSync (ours)', () => {
      pooledId()
    })
    .add('sign the id (cookie-signature sign)', () => {
      signature.sign(id, secret)
    })
    .add('write Set-Cookie (Cookie.serialize)', () => {
      data.cookie.serialize('connect.sid', 's:' + signed)
    })
    .add(
      'MemoryStore.set (JSON.stringify, deferred callback)',
      () => new Promise<void>((resolve) => store.set(id, data as unknown as SessionData, () => resolve()))
    )
  await bench.run()
  return bench.tasks.map((task) => {
    const result = task.result as unknown as { throughput?: { mean: number }; latency?: { mean: number } }
    return {
      name: task.name,
      opsPerSecond: Math.round(result.throughput?.mean ?? 0),
      meanMicros: (result.latency?.mean ?? 0) * 1000
    }
  })
}
