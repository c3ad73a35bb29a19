/**
 * Chapter 13 — scaling out, against a real redis-server: the RedisStore's
 * contract, its readiness events, and two companion-app processes sharing
 * one Redis.
 */
import { createClient } from 'redis'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import session, { type SessionData } from '../src/index.js'
import { RedisStore } from '../src/stores/redis-store.js'
import { startRedis, type RedisServer } from './support.js'
import { startCompanion } from '../test/support/processes.js'
import { storedSession, viaCallback } from '../test/support/stores.js'

type Client = ReturnType<typeof createClient>

let redis: RedisServer
let client: Client

beforeAll(async () => {
  redis = await startRedis()
  client = createClient({
    url: redis.url,
    socket: { reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 500) }
  })
  client.on('error', () => {})
  await client.connect()
})

afterAll(async () => {
  if (client?.isOpen) await client.close()
  await redis?.stop()
})

describe('RedisStore against redis-server', () => {
  it('set and get a session; its key expires with the cookie', async () => {
    const store = new RedisStore({ client, prefix: 'a:' })
    await viaCallback((cb) => store.set('s1', storedSession(90_000, { user: 'rasmus' }), cb))
    expect(await viaCallback((cb) => store.get('s1', cb))).toMatchObject({ user: 'rasmus' })
    const ttl = await client.ttl('a:s1')
    expect(ttl).toBeGreaterThan(85)
    expect(ttl).toBeLessThanOrEqual(90)
  })

  it('a session without expiry lives for the default TTL', async () => {
    const store = new RedisStore({ client, prefix: 'b:', ttl: 600 })
    await viaCallback((cb) => store.set('s1', storedSession(null), cb))
    expect(await client.ttl('b:s1')).toBe(600)
  })

  it('an already expired session is deleted rather than stored', async () => {
    const store = new RedisStore({ client, prefix: 'c:' })
    await viaCallback((cb) => store.set('s1', storedSession(60_000), cb))
    await viaCallback((cb) => store.set('s1', storedSession(-1000), cb))
    expect(await client.exists('c:s1')).toBe(0)
  })

  it('touch pushes the expiry forward without rewriting the data', async () => {
    const store = new RedisStore({ client, prefix: 'd:' })
    await viaCallback((cb) => store.set('s1', storedSession(10_000, { n: 1 }), cb))
    await client.set('d:s1', JSON.stringify(storedSession(10_000, { n: 2 })), { KEEPTTL: true })
    await viaCallback((cb) => store.touch('s1', storedSession(500_000, { n: 1 }), cb))
    expect(await client.ttl('d:s1')).toBeGreaterThan(400)
    expect(await viaCallback((cb) => store.get('s1', cb))).toMatchObject({ n: 2 })
  })

  it('destroy removes one session; a missing one reads as null', async () => {
    const store = new RedisStore({ client, prefix: 'e:' })
    await viaCallback((cb) => store.set('s1', storedSession(60_000), cb))
    await viaCallback((cb) => store.destroy('s1', cb))
    expect(await viaCallback((cb) => store.get('s1', cb))).toBeNull()
  })

  it('all, length and clear page through SCAN and keep to their own prefix', async () => {
    const store = new RedisStore({ client, prefix: 'f*[x]:', scanCount: 10 })
    for (let i = 0; i < 45; i++) await viaCallback((cb) => store.set(`s${i}`, storedSession(60_000, { i }), cb))
    await client.set('other:s1', 'not ours')
    await client.set('fz[x]:s1', 'a near miss for a glob prefix')
    const all = await viaCallback<Record<string, SessionData> | null>((cb) => store.all(cb))
    expect(Object.keys(all ?? {})).toHaveLength(45)
    expect((all as unknown as Record<string, { i: number }>).s7.i).toBe(7)
    expect(await viaCallback((cb) => store.length(cb))).toBe(45)
    await viaCallback((cb) => store.clear(cb))
    expect(await viaCallback((cb) => store.length(cb))).toBe(0)
    expect(await client.get('other:s1')).toBe('not ours')
    expect(await client.get('fz[x]:s1')).toBe('a near miss for a glob prefix')
  })

  it('corrupt data is reported to the callback, not thrown', async () => {
    const store = new RedisStore({ client, prefix: 'g:' })
    await client.set('g:bad', '{"cookie":')
    await expect(viaCallback((cb) => store.get('bad', cb))).rejects.toThrow(/corrupt session in Redis under g:bad/)
  })

  it('keeps a visit count across requests under the middleware', async () => {
    const store = new RedisStore({ client, prefix: 'h:' })
    const mw = session({ store, secret: 's', resave: false, saveUninitialized: false })
    const app = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) =>
      mw(req, res, () => {
        const sess = (req as unknown as { session: { n?: number } }).session
        sess.n = (sess.n ?? 0) + 1
        res.end(String(sess.n))
      })
    const agent = request.agent(app)
    await agent.get('/').expect('1')
    await agent.get('/').expect('2')
  })
})

describe('readiness: Redis going away and coming back', () => {
  it('the store says disconnect when Redis stops and connect when it is back', async () => {
    const own = createClient({ url: redis.url, socket: { reconnectStrategy: () => 100 } })
    own.on('error', () => {})
    await own.connect()
    const store = new RedisStore({ client: own, prefix: 'r:' })
    const events: string[] = []
    store.on('disconnect', () => events.push('disconnect'))
    store.on('connect', () => events.push('connect'))
    await redis.restart()
    await new Promise<void>((resolve) => {
      const wait = () => (events.includes('connect') ? resolve() : setTimeout(wait, 50))
      wait()
    })
    expect(events).toEqual(['disconnect', 'connect'])
    await own.close()
  })
})

describe('two companion apps, two processes, one Redis', () => {
  /** Log in on one app; what does the other say about that cookie? */
  async function loginOnOneAskTheOther(env: Record<string, string>) {
    // both sign with one secret, as a real deployment's instances do
    const twin = () => startCompanion({ SESSION_SECRET: 'shared secret', ...env })
    const a = await twin()
    const b = await twin()
    try {
      const login = await request(a.url)
        .post('/login')
        .type('form')
        .send({ username: 'rasmus', password: 'default' })
        .expect(303)
      const cookie = String(login.headers['set-cookie']?.[0]).split(';')[0]
      const onB = await request(b.url).get('/inspect.json').set('Cookie', cookie)
      return { a, b, cookie, storedOnB: (onB.body as { stored: { user?: string } | null }).stored }
    } catch (err) {
      await Promise.all([a.stop(), b.stop()])
      throw err
    }
  }

  it('logged in on one process, known on the other', async () => {
    const { a, b, storedOnB } = await loginOnOneAskTheOther({ SESSION_STORE: 'redis', REDIS_URL: redis.url })
    await Promise.all([a.stop(), b.stop()])
    expect(storedOnB).toMatchObject({ user: 'rasmus' })
  })

  it('with MemoryStore instead, the other process has never heard of the session', async () => {
    const { a, b, storedOnB } = await loginOnOneAskTheOther({ SESSION_STORE: 'memory' })
    await Promise.all([a.stop(), b.stop()])
    expect(storedOnB).toBeNull()
  })

  it('logged out on one process, gone on both', async () => {
    const { a, b, cookie } = await loginOnOneAskTheOther({ SESSION_STORE: 'redis', REDIS_URL: redis.url })
    try {
      await request(b.url).post('/logout').set('Cookie', cookie).expect(303)
      for (const app of [a, b]) {
        const res = await request(app.url).get('/inspect.json').set('Cookie', cookie)
        expect((res.body as { stored: unknown }).stored).toBeNull()
      }
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })

  it('Redis stopped mid-run: requests are still answered, without a session; back when Redis returns', async () => {
    const { a, b, cookie } = await loginOnOneAskTheOther({ SESSION_STORE: 'redis', REDIS_URL: redis.url })
    try {
      await redis.stop()
      // give the apps' clients a moment to notice the connection is gone
      await new Promise((resolve) => setTimeout(resolve, 300))
      const during = await request(a.url).get('/').set('Cookie', cookie).expect(200)
      expect(during.text).toContain('<code id="session-id">(none)</code>')
      expect(during.headers['set-cookie']).toBeUndefined()
      await redis.restart()
      let after = ''
      for (let i = 0; i < 40 && !after.includes('id="user">rasmus<'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        after = (await request(b.url).get('/').set('Cookie', cookie)).text
      }
      expect(after).toContain('id="user">rasmus<')
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })
})
