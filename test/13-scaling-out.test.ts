/**
 * Chapter 13 — scaling out, without Redis: interop with the real
 * express-session in both directions, a third-party store under ours, and
 * the RedisStore's logic against a stand-in client. (The real Redis tests
 * are in integration/, run by npm run test:integration.)
 */
import { createRequire } from 'node:module'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import ours, { type SessionData, type Store } from '../src/index.js'
import { FileStore } from '../src/stores/file-store.js'
import { RedisStore } from '../src/stores/redis-store.js'
import { countVisits, data, nextTurn, sessionApp } from './support/apps.js'
import { cookieHeader, sessionId } from './support/cookies.js'
import { upstream, type SessionModule } from './support/implementations.js'
import { FakeRedis, readinessEvents } from './support/redis.js'
import { storedSession, viaCallback } from './support/stores.js'

const require = createRequire(import.meta.url)

describe('interop with express-session 1.19.0', () => {
  const pairs: Array<[string, SessionModule, SessionModule]> = [
    ['express-session issues, ours accepts', upstream, ours],
    ['ours issues, express-session accepts', ours, upstream]
  ]

  it.each(pairs)('%s: same secret, same store, the session carries on', async (_label, first, second) => {
    const store = new first.MemoryStore()
    const a = await sessionApp(first, { store, secret: 'shared' }, { respond: countVisits })
    const b = await sessionApp(second, { store, secret: 'shared' }, { respond: countVisits })
    const issued = await a.client.get('/').expect(200, '1')
    await b.client.get('/').set('Cookie', cookieHeader(issued)).expect(200, '2')
    await a.client.get('/').set('Cookie', cookieHeader(issued)).expect(200, '3')
  })

  it('the two sign a session id identically, so no cookie needs re-issuing', async () => {
    const values = await Promise.all(
      [upstream, ours].map(async (session) => {
        const { client } = await sessionApp(session, { secret: 'shared', genid: () => 'the-same-id' })
        return cookieHeader(await client.get('/'))
      })
    )
    expect(values[0]).toBe(values[1])
  })

  it('a secret rotated on one side still opens cookies issued by the other', async () => {
    const store = new ours.MemoryStore()
    const before = await sessionApp(upstream, { store, secret: 'old' }, { respond: countVisits })
    const after = await sessionApp(ours, { store, secret: ['new', 'old'] }, { respond: countVisits })
    const issued = await before.client.get('/').expect('1')
    await after.client.get('/').set('Cookie', cookieHeader(issued)).expect('2')
  })

  it('our MemoryStore works under express-session', async () => {
    const store = new ours.MemoryStore()
    const { client } = await sessionApp(upstream, { store }, { respond: countVisits })
    const first = await client.get('/').expect('1')
    await client.get('/').set('Cookie', cookieHeader(first)).expect('2')
    expect((JSON.parse(store.sessions[sessionId(first)]) as { views: number }).views).toBe(2)
  })

  it('our FileStore works under express-session', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-'))
    try {
      const store = new FileStore({ dir, reapInterval: 0 })
      const { client } = await sessionApp(upstream, { store }, { respond: countVisits })
      const first = await client.get('/').expect('1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect('2')
      expect(fs.readdirSync(dir)).toEqual([expect.stringMatching(new RegExp(`^[0-9a-v]+~${sessionId(first)}\\.json$`))])
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('a third-party store under ours', () => {
  const stores: Array<{ stopInterval: () => void }> = []
  afterEach(() => {
    for (const s of stores.splice(0)) s.stopInterval()
  })

  it('memorystore, built from our session module the way it expects, keeps sessions', async () => {
    const MemoryStore = (
      require('memorystore') as (session: unknown) => new (options: object) => Store & { stopInterval: () => void }
    )(ours)
    const store = new MemoryStore({ checkPeriod: 60_000 })
    stores.push(store)
    expect(store).toBeInstanceOf(ours.Store)
    const { client } = await sessionApp(ours, { store, resave: false }, { respond: countVisits })
    const first = await client.get('/').expect('1')
    await client.get('/').set('Cookie', cookieHeader(first)).expect('2')
    const length = await new Promise((resolve) => store.length?.((_err, n) => resolve(n)))
    expect(length).toBe(1)
  })
})

describe('RedisStore, with a stand-in client (ours only)', () => {
  it('keeps each session as JSON under prefix + id, expiring with its cookie', async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    await viaCallback((cb) => store.set('abc', storedSession(90_000, { user: 'rasmus' }), cb))
    expect(client.ttl('sess:abc')).toBe(90)
    expect(JSON.parse(client.strings.get('sess:abc') ?? '')).toMatchObject({ user: 'rasmus' })
    expect(await viaCallback((cb) => store.get('abc', cb))).toMatchObject({ user: 'rasmus' })
    expect(await viaCallback((cb) => store.get('missing', cb))).toBeNull()
  })

  it('a session without an expiry, or with one that is not a date, gets the default TTL', async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client, ttl: 600, prefix: 'x:' })
    await viaCallback((cb) => store.set('a', storedSession(null), cb))
    await viaCallback((cb) => store.set('b', { cookie: { expires: 'not a date' } } as SessionData, cb))
    expect([client.ttl('x:a'), client.ttl('x:b')]).toEqual([600, 600])
  })

  it('an expired session is deleted, not stored; touch only moves the expiry', async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    await viaCallback((cb) => store.set('abc', storedSession(60_000, { n: 1 }), cb))
    await viaCallback((cb) => store.set('abc', storedSession(-5000), cb))
    expect(client.strings.has('sess:abc')).toBe(false)
    await viaCallback((cb) => store.set('abc', storedSession(60_000, { n: 1 }), cb))
    client.commands.length = 0
    await viaCallback((cb) => store.touch('abc', storedSession(120_000, { n: 99 }), cb))
    expect(client.commands).toEqual(['EXPIRE'])
    expect(client.ttl('sess:abc')).toBe(120)
    expect(JSON.parse(client.strings.get('sess:abc') ?? '')).toMatchObject({ n: 1 })
  })

  it('all, length and clear use SCAN, page by page, and keep to the prefix even when it holds glob characters', async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client, prefix: 's*[1]:', scanCount: 3 })
    for (let i = 0; i < 7; i++) await viaCallback((cb) => store.set(`id${i}`, storedSession(60_000, { i }), cb))
    client.strings.set('sXX[1]:id9', '{}')
    client.strings.set('other:id1', '{}')
    const all = await viaCallback<Record<string, SessionData> | null>((cb) => store.all(cb))
    expect(Object.keys(all ?? {}).sort()).toEqual(['id0', 'id1', 'id2', 'id3', 'id4', 'id5', 'id6'])
    expect(await viaCallback((cb) => store.length(cb))).toBe(7)
    await viaCallback((cb) => store.clear(cb))
    expect([...client.strings.keys()].sort()).toEqual(['other:id1', 'sXX[1]:id9'])
    expect(client.commands).not.toContain('KEYS')
  })

  it('every client failure reaches the callback', async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    client.failing = new Error('connection lost')
    const results = await Promise.allSettled([
      viaCallback((cb) => store.get('a', cb)),
      viaCallback((cb) => store.set('a', storedSession(1000), cb)),
      viaCallback((cb) => store.set('a', storedSession(-1), cb)),
      viaCallback((cb) => store.destroy('a', cb)),
      viaCallback((cb) => store.touch('a', storedSession(1000), cb)),
      viaCallback((cb) => store.all(cb)),
      viaCallback((cb) => store.length(cb)),
      viaCallback((cb) => store.clear(cb))
    ])
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(
      Array(8).fill('connection lost')
    )
  })

  it('corrupt JSON is reported, not thrown', async () => {
    const client = new FakeRedis()
    client.strings.set('sess:bad', '{"cookie":')
    await expect(viaCallback((cb) => new RedisStore({ client }).get('bad', cb))).rejects.toThrow(
      /corrupt session in Redis under sess:bad/
    )
  })

  it('callbacks are optional', async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    store.set('a', storedSession(1000))
    store.touch('a', storedSession(1000))
    store.destroy('a')
    store.clear()
    await nextTurn()
    expect(client.commands).toEqual(expect.arrayContaining(['SET', 'EXPIRE', 'DEL', 'SCAN']))
  })

  it('refuses to start without a client', () => {
    expect(() => new RedisStore({} as never)).toThrow('RedisStore needs a client option')
  })

  it("turns the client's connection events into the store's connect and disconnect, once each", () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    const events = readinessEvents(store)
    client.isReady = false
    client.emit('reconnecting')
    client.emit('error', new Error('ECONNREFUSED'))
    client.emit('end')
    client.isReady = true
    client.emit('ready')
    client.emit('ready')
    client.emit('error', new Error('a command failed while connected'))
    expect(events).toEqual(['disconnect', 'connect'])
  })

  it('a client not yet ready at start makes the store disconnected once session() listens; it connects when ready', async () => {
    const client = new FakeRedis()
    client.isReady = false
    const store = new RedisStore({ client })
    const { client: http } = await sessionApp(
      ours,
      { store },
      {
        respond: (req, res) => {
          res.end(typeof req.session)
        }
      }
    )
    await nextTurn()
    await http.get('/').expect(200, 'undefined')
    client.isReady = true
    client.emit('ready')
    await http.get('/').expect(200, 'object')
  })

  it('a client that becomes ready before the first tick is not reported as disconnected', async () => {
    const client = new FakeRedis()
    client.isReady = false
    const store = new RedisStore({ client })
    const events = readinessEvents(store)
    client.isReady = true
    await nextTurn()
    expect(events).toEqual([])
  })
})

describe('what the two store', () => {
  it.each([
    ['the default cookie', {}],
    [
      'a cookie with every attribute',
      { maxAge: 60_000, sameSite: 'lax', secure: false, domain: 'example.org', priority: 'high', partitioned: true }
    ]
  ] as const)(
    'with %s, a store holds the same JSON, byte for byte, whichever of the two wrote it',
    async (_label, cookie) => {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-26T12:00:00Z') })
      try {
        const written = await Promise.all(
          [upstream, ours].map(async (session) => {
            const store = new ours.MemoryStore()
            const { client } = await sessionApp(
              session,
              { store, genid: () => 'the-same-id', resave: false, saveUninitialized: false, cookie },
              {
                respond: (req, res) => {
                  Object.assign(data(req), { views: 1, user: 'rasmus', cart: ['apple'] })
                  res.end('ok')
                }
              }
            )
            await client.get('/').expect(200, 'ok')
            return store.sessions['the-same-id']
          })
        )
        expect(written[0]).toContain('"user":"rasmus"')
        expect(written[1]).toBe(written[0])
      } finally {
        vi.useRealTimers()
      }
    }
  )
})
