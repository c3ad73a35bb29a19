/**
 * Chapter 13 — connect-redis 9.0.0, the store most apps put under
 * express-session, against a real redis-server, on both implementations:
 * two app instances share sessions, the key's TTL follows `cookie.maxAge`,
 * touch moves the TTL without rewriting the value, destroy deletes the key.
 */
import { createRequire } from 'node:module'
import type { Request, Response } from 'express'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionData, Store } from '../src/index.js'
import { countVisits, data, sessionApp, type SessionApp } from '../test/support/apps.js'
import { cookieHeader, sessionId } from '../test/support/cookies.js'
import { implementations, upstream, type SessionModule } from '../test/support/implementations.js'
import { startRedis, type RedisServer } from './support.js'

const require = createRequire(import.meta.url)

type Client = ReturnType<typeof createClient>

/** connect-redis's options that these tests use. */
interface ConnectRedisOptions {
  client: Client
  prefix: string
}

/** connect-redis's module: its store class. */
interface ConnectRedis {
  RedisStore: new (options: ConnectRedisOptions) => Store
}

/**
 * connect-redis's CommonJS build, with its `require('express-session')`
 * answered by `session`. An app that installs this package under the name
 * express-session gets that from npm (the consumer test checks it); in this
 * repository the name belongs to express-session 1.19.0, so for ours the
 * entry in require's cache is swapped while connect-redis loads, then put back.
 */
function connectRedisOn(session: SessionModule): ConnectRedis {
  if (session === upstream) return require('connect-redis') as ConnectRedis
  const sessionPath = require.resolve('express-session')
  const connectRedisPath = require.resolve('connect-redis')
  const original = require.cache[sessionPath]
  if (!original) throw new Error('express-session should already be loaded by test/support/implementations.ts')
  require.cache[sessionPath] = { ...original, exports: session }
  delete require.cache[connectRedisPath]
  try {
    return require('connect-redis') as ConnectRedis
  } finally {
    require.cache[sessionPath] = original
    delete require.cache[connectRedisPath]
  }
}

let redis: RedisServer
const clients: Client[] = []

/** A fresh client of the test's redis-server, closed after the file. */
async function newClient(): Promise<Client> {
  const client = createClient({ url: redis.url })
  client.on('error', () => {})
  await client.connect()
  clients.push(client)
  return client
}

beforeAll(async () => {
  redis = await startRedis()
})

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()))
  await redis?.stop()
})

/** Answer with the visit count without changing the session. */
function peek(req: Request, res: Response): void {
  res.end(String(data(req).views ?? 0))
}

describe.each(implementations)('connect-redis 9 on $name, against redis-server', ({ name, session }) => {
  const { RedisStore } = connectRedisOn(session)
  const prefix = `${name === 'ours' ? 'ours' : 'upstream'}:`

  /** One app instance: its own Redis client and connect-redis store, the shared secret and prefix. */
  async function instance(respond = countVisits, maxAge = 90_000): Promise<SessionApp> {
    const store = new RedisStore({ client: await newClient(), prefix })
    return sessionApp(
      session,
      { store, secret: 'shared secret', resave: false, saveUninitialized: false, cookie: { maxAge } },
      { respond }
    )
  }

  it("connect-redis's store is built on this implementation's Store", async () => {
    expect(new RedisStore({ client: await newClient(), prefix })).toBeInstanceOf(session.Store)
  })

  it('two app instances share one session through Redis', async () => {
    const [a, b] = await Promise.all([instance(), instance()])
    const first = await a.client.get('/').expect(200, '1')
    await b.client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    await a.client.get('/').set('Cookie', cookieHeader(first)).expect(200, '3')
  })

  it("the key's TTL follows cookie.maxAge", async () => {
    const redisClient = await newClient()
    for (const maxAge of [90_000, 1_800_000]) {
      const app = await instance(countVisits, maxAge)
      const res = await app.client.get('/').expect(200, '1')
      const ttl = await redisClient.ttl(prefix + sessionId(res))
      expect(ttl).toBeGreaterThan(maxAge / 1000 - 5)
      expect(ttl).toBeLessThanOrEqual(maxAge / 1000)
    }
  })

  it('a request that changes nothing touches the key: the TTL moves, the value is not rewritten', async () => {
    const redisClient = await newClient()
    const a = await instance()
    const b = await instance(peek)
    const first = await a.client.get('/').expect(200, '1')
    const key = prefix + sessionId(first)

    // shorten the stored cookie's expiry and the key's TTL behind the app's back
    const stored = JSON.parse((await redisClient.get(key)) ?? 'null') as SessionData
    stored.cookie.expires = new Date(Date.now() + 20_000)
    const marked = JSON.stringify(stored)
    await redisClient.set(key, marked, { KEEPTTL: true })
    await redisClient.expire(key, 20)

    await b.client.get('/').set('Cookie', cookieHeader(first)).expect(200, '1')
    expect(await redisClient.ttl(key)).toBeGreaterThan(80)
    expect(await redisClient.get(key)).toBe(marked)
  })

  it('destroy deletes the key, and the other instance no longer knows the session', async () => {
    const redisClient = await newClient()
    const destroy = (req: Request, res: Response) => {
      req.session.destroy((err) => res.end(err ? 'failed' : 'destroyed'))
    }
    const a = await instance()
    const b = await instance(destroy)
    const first = await a.client.get('/').expect(200, '1')
    const key = prefix + sessionId(first)
    expect(await redisClient.exists(key)).toBe(1)
    await b.client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'destroyed')
    expect(await redisClient.exists(key)).toBe(0)
    await a.client.get('/').set('Cookie', cookieHeader(first)).expect(200, '1')
  })
})
