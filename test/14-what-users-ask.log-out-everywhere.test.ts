/**
 * Chapter 14 — log out everywhere: an index from each user to their session
 * ids, kept by a store wrapper over MemoryStore, FileStore and RedisStore (a
 * stand-in client), correct through regenerate, destroy and expiry.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import express, { type Request, type Response } from 'express'
import type { createClient } from 'redis'
import { describe, expect, expectTypeOf, it, onTestFinished, vi } from 'vitest'
import type { SessionData, Store } from '../src/index.js'
import {
  indexSessionsByUser,
  MemorySessionIndex,
  RedisSessionIndex,
  type RedisIndexClient,
  type SessionIndex,
  type UserSessions
} from '../src/extras/log-out-everywhere.js'
import { sessionPromises } from '../src/extras/promises.js'
import { FileStore } from '../src/stores/file-store.js'
import { RedisStore } from '../src/stores/redis-store.js'
import { cookieHeader, sessionId } from './support/cookies.js'
import { serve } from './support/http.js'
import { implementations, type SessionModule } from './support/implementations.js'
import { storedSession, storeGet, storeSet, viaCallback } from './support/stores.js'
import { data, route } from './support/apps.js'
import { FakeRedis } from './support/redis.js'

/** The stores the index is proven over; each makes a fresh store (and the index to use with it). */
const stores: Array<{ name: string; make: (session: SessionModule) => { store: Store; index?: SessionIndex } }> = [
  { name: 'MemoryStore', make: (session) => ({ store: new session.MemoryStore() }) },
  {
    name: 'FileStore',
    make: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-index-'))
      onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
      return { store: new FileStore({ dir, reapInterval: 0 }) }
    }
  },
  {
    name: 'RedisStore (stand-in client), RedisSessionIndex',
    make: () => {
      const client = new FakeRedis()
      return { store: new RedisStore({ client }), index: new RedisSessionIndex({ client }) }
    }
  }
]

const userOf = (sess: SessionData) => (sess as { user?: string }).user

/**
 * An app with /login?as=<user> (regenerate, then record the user), /me,
 * /logout (destroy), /logout-everywhere and /logout-others.
 */
async function app(session: SessionModule, store: Store, sessions: UserSessions) {
  const server = express()
  server.use(session({ store, secret: 'chapter 14', resave: false, saveUninitialized: false }))
  server.post(
    '/login',
    route(async (req: Request, res: Response) => {
      await sessionPromises(req).regenerate()
      data(req).user = req.query.as as string
      res.end()
    })
  )
  server.get('/me', (req, res) => {
    res.send(data(req).user ?? 'anonymous')
  })
  server.post(
    '/logout',
    route(async (req: Request, res: Response) => {
      await sessionPromises(req).destroy()
      res.end()
    })
  )
  server.post(
    '/logout-everywhere',
    route(async (req: Request, res: Response) => {
      res.send(String(await sessions.logOutEverywhere(data(req).user ?? '')))
    })
  )
  server.post(
    '/logout-others',
    route(async (req: Request, res: Response) => {
      res.send(String(await sessions.logOutEverywhere(data(req).user ?? '', { except: req.sessionID })))
    })
  )
  return serve(server)
}

/** Log in as `user` from a new browser; returns its cookie and session id. */
async function login(client: Awaited<ReturnType<typeof app>>['client'], user: string, cookie?: string) {
  const req = client.post(`/login?as=${user}`)
  const res = await (cookie ? req.set('Cookie', cookie) : req).expect(200)
  return { cookie: cookieHeader(res), sid: sessionId(res) }
}

describe.each(implementations)('$name', ({ session }) => {
  describe.each(stores)('$name', ({ make }) => {
    /** A fresh store, indexed, and an app on it. */
    async function setup() {
      const { store, index } = make(session)
      const sessions = indexSessionsByUser(store, { userOf, index })
      const { client } = await app(session, store, sessions)
      return { store, sessions, client }
    }

    it('log out everywhere destroys every session of the user, and nobody else’s', async () => {
      const { store, sessions, client } = await setup()
      const browsers = [await login(client, 'rasmus'), await login(client, 'rasmus'), await login(client, 'rasmus')]
      const alice = await login(client, 'alice')
      expect((await sessions.sessionsOf('rasmus')).sort()).toEqual(browsers.map((b) => b.sid).sort())
      await client.post('/logout-everywhere').set('Cookie', browsers[0].cookie).expect(200, '3')
      for (const b of browsers) {
        await client.get('/me').set('Cookie', b.cookie).expect('anonymous')
        expect(await storeGet(store, b.sid)).toBeFalsy()
      }
      await client.get('/me').set('Cookie', alice.cookie).expect('alice')
      expect(await sessions.sessionsOf('rasmus')).toEqual([])
    })

    it('log out the other devices keeps the current session', async () => {
      const { sessions, client } = await setup()
      const here = await login(client, 'rasmus')
      const there = await login(client, 'rasmus')
      await client.post('/logout-others').set('Cookie', here.cookie).expect(200, '1')
      await client.get('/me').set('Cookie', here.cookie).expect('rasmus')
      await client.get('/me').set('Cookie', there.cookie).expect('anonymous')
      expect(await sessions.sessionsOf('rasmus')).toEqual([here.sid])
    })

    it('a login that regenerates leaves only the new id in the index', async () => {
      const { sessions, client } = await setup()
      const first = await login(client, 'rasmus')
      const again = await login(client, 'rasmus', first.cookie)
      expect(again.sid).not.toBe(first.sid)
      expect(await sessions.index.list('rasmus')).toEqual([again.sid])
    })

    it('logging out one browser (destroy) removes its id from the index', async () => {
      const { sessions, client } = await setup()
      const one = await login(client, 'rasmus')
      const two = await login(client, 'rasmus')
      await client.post('/logout').set('Cookie', one.cookie).expect(200)
      expect(await sessions.index.list('rasmus')).toEqual([two.sid])
    })

    it('an expired session is neither listed nor destroyed', async () => {
      const { store, sessions, client } = await setup()
      const live = await login(client, 'rasmus')
      await storeSet(store, 'expired', storedSession(-1000, { user: 'rasmus' }))
      expect(await sessions.index.list('rasmus')).toEqual([live.sid])
      expect(await client.post('/logout-everywhere').set('Cookie', live.cookie).expect(200)).toHaveProperty('text', '1')
    })

    it('a session that changed hands without regenerate is not destroyed for its old user', async () => {
      const { store, sessions, client } = await setup()
      const shared = await login(client, 'rasmus')
      // a careless app: the same session, now alice's (no regenerate), still listed under rasmus in the index
      const stored = (await storeGet(store, shared.sid)) as SessionData
      await storeSet(store, shared.sid, { ...stored, user: 'alice' })
      expect(await sessions.index.list('rasmus')).toContain(shared.sid)
      expect(await sessions.sessionsOf('rasmus')).toEqual([])
      expect(await sessions.logOutEverywhere('rasmus')).toBe(0)
      await client.get('/me').set('Cookie', shared.cookie).expect('alice')
    })

    it('an index that fails makes the write fail, and the session is not stored', async () => {
      const { store } = make(session)
      const failing: SessionIndex = {
        add: () => Promise.reject(new Error('index down')),
        remove: () => Promise.resolve(),
        list: () => Promise.resolve([])
      }
      indexSessionsByUser(store, { userOf, index: failing })
      await expect(storeSet(store, 'sid', storedSession(60_000, { user: 'rasmus' }))).rejects.toThrow('index down')
      expect(await storeGet(store, 'sid')).toBeFalsy()
      await storeSet(store, 'anonymous', storedSession(60_000))
      expect(await storeGet(store, 'anonymous')).toBeTruthy()
      await expect(
        viaCallback((cb) => store.touch?.('sid', storedSession(60_000, { user: 'rasmus' }), cb))
      ).rejects.toThrow('index down')
    })

    it('a destroy whose index entry cannot be removed still succeeds: a stale entry is harmless', async () => {
      const { store } = make(session)
      const failing: SessionIndex = {
        add: () => Promise.resolve(),
        remove: () => Promise.reject(new Error('index down')),
        list: () => Promise.resolve(['sid'])
      }
      const sessions = indexSessionsByUser(store, { userOf, index: failing })
      await storeSet(store, 'sid', storedSession(60_000, { user: 'rasmus' }))
      await viaCallback((cb) => store.destroy('sid', cb))
      expect(await storeGet(store, 'sid')).toBeFalsy()
      expect(await sessions.sessionsOf('rasmus')).toEqual([])
    })
  })

  it('what a request costs: one index write for each session saved or touched, none for a visitor without one', async () => {
    const store = new session.MemoryStore()
    const index = new MemorySessionIndex()
    const writes: string[] = []
    const add = index.add.bind(index)
    index.add = (user, sid, expires) => {
      writes.push(user)
      return add(user, sid, expires)
    }
    const sessions = indexSessionsByUser(store, { userOf, index })
    const { client } = await app(session, store, sessions)
    const { cookie } = await login(client, 'rasmus')
    expect(writes).toEqual(['rasmus'])
    for (let i = 0; i < 3; i++) await client.get('/me').set('Cookie', cookie).expect('rasmus')
    expect(writes).toEqual(['rasmus', 'rasmus', 'rasmus', 'rasmus'])
    await client.get('/me').expect('anonymous')
    expect(writes).toHaveLength(4)
  })

  it('after a restart, a memory index misses a FileStore’s older sessions until they are used again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-index-'))
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    const before = new FileStore({ dir, reapInterval: 0 })
    const first = await app(session, before, indexSessionsByUser(before, { userOf }))
    const { cookie, sid } = await login(first.client, 'rasmus')
    const after = new FileStore({ dir, reapInterval: 0 })
    const sessions = indexSessionsByUser(after, { userOf })
    const second = await app(session, after, sessions)
    expect(await sessions.sessionsOf('rasmus')).toEqual([])
    await second.client.get('/me').set('Cookie', cookie).expect('rasmus')
    expect(await sessions.sessionsOf('rasmus')).toEqual([sid])
  })

  it('on Redis, a request that reads a logged-in session sends the index four commands beside the store’s one', async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    const sessions = indexSessionsByUser(store, { userOf, index: new RedisSessionIndex({ client }) })
    const served = await app(session, store, sessions)
    const { cookie } = await login(served.client, 'rasmus')
    client.commands.length = 0
    await served.client.get('/me').set('Cookie', cookie).expect('rasmus')
    expect(client.commands).toEqual(['GET', 'ZREMRANGEBYSCORE', 'ZADD', 'PEXPIREAT NX', 'PEXPIREAT GT', 'EXPIRE'])
  })
})

describe('the indexes (ours only)', () => {
  it('a node-redis 5 client fits RedisIndexClient', () => {
    expectTypeOf<ReturnType<typeof createClient>>().toExtend<RedisIndexClient>()
  })

  it('the Redis index keeps one sorted set per user, scored by expiry, that expires with its last session', async () => {
    const client = new FakeRedis()
    const index = new RedisSessionIndex({ client, ttl: 600 })
    const soon = Date.now() + 60_000
    const later = Date.now() + 120_000
    await index.add('rasmus', 'a', later)
    await index.add('rasmus', 'b', soon)
    await index.add('rasmus', 'c', null)
    const members = client.sets.get('sess-user:rasmus')
    expect(members?.get('a')).toBe(later)
    expect(members?.get('b')).toBe(soon)
    expect(members?.get('c')).toBeGreaterThan(Date.now() + 590_000)
    expect(client.expiries.get('sess-user:rasmus')).toBe(members?.get('c'))
    await index.add('rasmus', 'gone', Date.now() - 1)
    expect(await index.list('rasmus')).toEqual(['a', 'b', 'c'])
    await index.add('rasmus', 'd', soon)
    expect([...(client.sets.get('sess-user:rasmus')?.keys() ?? [])].sort()).toEqual(['a', 'b', 'c', 'd'])
    await index.remove('rasmus', 'a')
    expect((await index.list('rasmus')).sort()).toEqual(['b', 'c', 'd'])
  })

  it('the Redis index needs a client', () => {
    expect(() => new RedisSessionIndex({} as never)).toThrow('RedisSessionIndex needs a client option')
  })

  it('the memory index drops expired entries when their user is written or listed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    onTestFinished(() => void vi.useRealTimers())
    const index = new MemorySessionIndex()
    await index.add('rasmus', 'old', Date.now() + 1000)
    await index.add('alice', 'old-too', Date.now() + 1000)
    vi.setSystemTime(Date.now() + 2000)
    expect(index.size).toBe(2)
    expect(await index.list('alice')).toEqual([])
    expect(index.size).toBe(1)
    await index.add('rasmus', 'forever', null)
    expect(index.size).toBe(1)
    await index.remove('rasmus', 'forever')
    await index.remove('nobody', 'nothing')
    expect(index.size).toBe(0)
  })

  it('the memory index sweeps everyone’s expired entries once it has doubled, so it stays near the live count', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    onTestFinished(() => void vi.useRealTimers())
    const index = new MemorySessionIndex()
    for (let i = 0; i < 1023; i++) await index.add(`user${i}`, `sid${i}`, Date.now() + 1000)
    vi.setSystemTime(Date.now() + 2000)
    expect(index.size).toBe(1023)
    await index.add('rasmus', 'live', null)
    expect(index.size).toBe(1)
  })
})
