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

/** The same computation as hash() in src/index.ts: SHA-1 of the session's JSON without its top-level cookie. */
function hashSession(sess: Record<string, unknown>): string {
  const str = JSON.stringify(sess, function (this: unknown, key: string, val: unknown) {
    return this === sess && key === 'cookie' ? undefined : val
  })
  return crypto.createHash('sha1').update(str, 'utf8').digest('hex')
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
    .add('parse the Cookie header (cookie.parse)', () => { cookie.parse(header) })
    .add('check the signature (cookie-signature unsign)', () => { signature.unsign(signed, secret) })
    .add('MemoryStore.get (JSON.parse, deferred callback)', () => new Promise<void>((resolve) => store.get(id, () => resolve())))
    .add('hash the session (SHA-1 of its JSON)', () => { hashSession(data) })
    .add('make a new id: randomBytes(24) base64url (ours)', () => { crypto.randomBytes(24).toString('base64url') })
    .add('make a new id: uid-safe (express-session)', () => { uidSafe.sync(24) })
    .add('sign the id (cookie-signature sign)', () => { signature.sign(id, secret) })
    .add('write Set-Cookie (Cookie.serialize)', () => { data.cookie.serialize('connect.sid', 's:' + signed) })
    .add('MemoryStore.set (JSON.stringify, deferred callback)', () => new Promise<void>((resolve) => store.set(id, data as unknown as SessionData, () => resolve())))
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
