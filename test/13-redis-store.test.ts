/**
 * Chapter 13 — RedisStore on a stand-in client, where Redis's timing
 * matters: a key that expires between two commands, and callbacks that
 * run outside the client's promises.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { SessionData } from '../src/index.js'
import { RedisStore } from '../src/stores/redis-store.js'
import { nextTurn } from './support/apps.js'
import { failOnEscape } from './support/escapes.js'
import { FakeRedis, readinessEvents } from './support/redis.js'
import { storedSession, viaCallback } from './support/stores.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * A script for a fresh process (vitest would catch a stray exception in
 * this one): store calls whose callbacks each throw an Error named after the
 * call; it prints how each throw surfaced, as an uncaught exception or as an
 * unhandled rejection.
 */
const THROWING_CALLBACKS = `
  import { MemoryStore } from './src/index.ts'
  import { RedisStore } from './src/stores/redis-store.ts'
  import { FakeRedis } from './test/support/redis.ts'
  const memory = new MemoryStore()
  const redis = new RedisStore({ client: new FakeRedis() })
  const down = new FakeRedis()
  down.failing = new Error('connection lost')
  const redisDown = new RedisStore({ client: down })
  const sess = { cookie: { expires: new Date(Date.now() + 60000) } }
  const calls = {
    'MemoryStore get': (cb) => memory.get('a', cb),
    'RedisStore get': (cb) => redis.get('a', cb),
    'RedisStore set': (cb) => redis.set('a', sess, cb),
    'RedisStore touch': (cb) => redis.touch('a', sess, cb),
    'RedisStore destroy': (cb) => redis.destroy('a', cb),
    'RedisStore all': (cb) => redis.all(cb),
    'RedisStore length': (cb) => redis.length(cb),
    'RedisStore clear': (cb) => redis.clear(cb),
    'RedisStore get, Redis down': (cb) => redisDown.get('a', cb),
    'RedisStore set, Redis down': (cb) => redisDown.set('a', sess, cb)
  }
  const seen = []
  process.on('uncaughtException', (err) => seen.push(err.message + ': uncaught exception'))
  process.on('unhandledRejection', (err) => seen.push(err.message + ': unhandled rejection'))
  for (const [name, call] of Object.entries(calls)) {
    call(() => {
      throw new Error(name)
    })
  }
  const report = () => {
    if (seen.length < Object.keys(calls).length) return setImmediate(report)
    console.log(JSON.stringify({ calls: Object.keys(calls), seen }))
  }
  report()
`

describe('RedisStore and time (ours only)', () => {
  it('a session that expires between SCAN and MGET is left out of all()', async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    await viaCallback((cb) => store.set('live', storedSession(60_000), cb))
    await viaCallback((cb) => store.set('dying', storedSession(60_000), cb))
    const mGet = client.mGet.bind(client)
    client.mGet = (keys) => {
      // Redis expires the key after SCAN listed it
      client.expiries.set('sess:dying', Date.now() - 1)
      return mGet(keys)
    }
    const all = await viaCallback<Record<string, SessionData> | null>((cb) => store.all(cb))
    expect(Object.keys(all ?? {})).toEqual(['live'])
  })

  it('a callback that throws is an uncaught exception, as with MemoryStore, and never an unhandled rejection', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', THROWING_CALLBACKS], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000
    })
    expect(result.stderr).toBe('')
    const { calls, seen } = JSON.parse(result.stdout) as { calls: string[]; seen: string[] }
    expect(calls).toHaveLength(10)
    expect(seen.sort()).toEqual(calls.map((call) => `${call}: uncaught exception`).sort())
  }, 30_000)
})

describe('RedisStore on a stand-in client: keys, pages and readiness (ours only)', () => {
  it("destroy deletes that session's key, and only it, then calls back", async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    await viaCallback((cb) => store.set('a', storedSession(60_000), cb))
    await viaCallback((cb) => store.set('b', storedSession(60_000), cb))
    await viaCallback((cb) => store.destroy('a', cb))
    expect([...client.strings.keys()]).toEqual(['sess:b'])
  })

  it('all and clear go through twice scanCount sessions, scanCount keys to a command, and send no empty command', async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client, scanCount: 2 })
    for (const sid of ['a', 'b', 'c', 'd']) await viaCallback((cb) => store.set(sid, storedSession(60_000), cb))
    const pages: Array<[string, number]> = []
    const mGet = client.mGet.bind(client)
    const del = client.del.bind(client)
    client.mGet = (keys: string[]) => (pages.push(['MGET', keys.length]), mGet(keys))
    client.del = (keys: string | string[]) => (pages.push(['DEL', [keys].flat().length]), del(keys))
    const all = await viaCallback<Record<string, SessionData> | null>((cb) => store.all(cb))
    expect(Object.keys(all ?? {}).sort()).toEqual(['a', 'b', 'c', 'd'])
    await viaCallback((cb) => store.clear(cb))
    expect(client.strings.size).toBe(0)
    // Redis answers an MGET or DEL without keys with an error, so a last, empty page must not be sent
    expect(pages).toEqual([
      ['MGET', 2],
      ['MGET', 2],
      ['DEL', 2],
      ['DEL', 2]
    ])
  })

  it("the client's end and reconnecting events each tell session() the store is gone; ready, that it is back", () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    const events = readinessEvents(store)
    client.isReady = false
    client.emit('end')
    client.isReady = true
    client.emit('ready')
    client.isReady = false
    client.emit('reconnecting')
    expect(events).toEqual(['disconnect', 'connect', 'disconnect'])
  })
})

describe('RedisStore: errors of the client, an expiry of zero seconds, calls without a callback (ours only)', () => {
  it('a client error while the client is not ready tells session() the store is gone; one while it is ready does not', () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    const events = readinessEvents(store)
    client.emit('error', new Error('a reply that could not be parsed'))
    expect(events).toEqual([])
    client.isReady = false
    client.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'))
    expect(events).toEqual(['disconnect'])
  })

  it.each([
    ['this very millisecond', 0],
    ['half a second ago', -500]
  ])(
    'a session whose cookie expires %s, 0 seconds from now when rounded up, is deleted, not written to expire in 0 seconds',
    async (_when, ms) => {
      const client = new FakeRedis()
      const store = new RedisStore({ client })
      await viaCallback((cb) => store.set('a', storedSession(60_000), cb))
      await viaCallback((cb) => store.set('a', storedSession(ms), cb))
      expect(client.commands.slice(-1)).toEqual(['DEL'])
      expect(client.strings.has('sess:a')).toBe(false)
    }
  )

  it('set, touch and destroy without a callback do their work and throw nothing, also when Redis fails', async () => {
    const client = new FakeRedis()
    const store = new RedisStore({ client })
    await failOnEscape(async () => {
      store.set('a', storedSession(60_000, { n: 1 }))
      store.set('gone', storedSession(-1000))
      store.touch('a', storedSession(120_000))
      await nextTurn()
    })
    expect(client.commands).toEqual(['SET', 'DEL', 'EXPIRE'])
    await failOnEscape(async () => {
      store.destroy('a')
      client.failing = new Error('connection lost')
      store.set('b', storedSession(60_000))
      await nextTurn()
    })
    expect(client.strings.has('sess:a')).toBe(false)
  })
})
