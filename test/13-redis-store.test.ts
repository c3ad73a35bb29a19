/**
 * Chapter 13 — RedisStore on a stand-in client, where Redis's timing
 * matters: a key that expires between two commands, and callbacks that
 * run outside the client's promises.
 */
import { describe, expect, it } from 'vitest'
import type { SessionData } from '../src/index.js'
import { RedisStore } from '../src/stores/redis-store.js'
import { FakeRedis } from './support/redis.js'
import { storedSession, viaCallback } from './support/stores.js'

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
})
