/**
 * Chapter 14 — a MemoryStore with a cap: the least recently used session
 * goes when one more arrives. (Chapter 09's MemoryStore tests run against
 * it in 14-what-users-ask.bounded-store-contract.test.ts.)
 */
import { describe, expect, it } from 'vitest'
import { BoundedMemoryStore } from '../src/extras/bounded-memory-store.js'
import { countVisits, sessionApp } from './support/apps.js'
import { cookieHeader } from './support/cookies.js'
import { implementations } from './support/implementations.js'
import { storeAll, storedSession, storeGet, storeLength, storeSet, viaCallback } from './support/stores.js'

describe.each(implementations)('$name', ({ session }) => {
  it('with a cap of two, a third visitor evicts the least recently active one, who starts over', async () => {
    const store = new BoundedMemoryStore({ max: 2 })
    const { client } = await sessionApp(session, { store }, { respond: countVisits })
    const a = cookieHeader(await client.get('/').expect('1'))
    const b = cookieHeader(await client.get('/').expect('1'))
    await client.get('/').set('Cookie', a).expect('2')
    // a third visitor: b, the least recently active, is evicted
    await client.get('/').expect('1')
    await client.get('/').set('Cookie', a).expect('3')
    await client.get('/').set('Cookie', b).expect('1')
    expect(await storeLength(store)).toBe(2)
  })
})

describe('BoundedMemoryStore (ours only)', () => {
  it('holds at most max sessions however many arrive: the most recent ones', async () => {
    const store = new BoundedMemoryStore({ max: 10 })
    for (let i = 0; i < 50; i++) await storeSet(store, `s${i}`, storedSession(60_000))
    expect(Object.keys(store.sessions)).toEqual(Array.from({ length: 10 }, (_, i) => `s${40 + i}`))
  })

  it('a get or a touch makes a session recent; a get of a missing one changes nothing', async () => {
    const store = new BoundedMemoryStore({ max: 3 })
    for (const sid of ['a', 'b', 'c']) await storeSet(store, sid, storedSession(60_000))
    await storeGet(store, 'a')
    await viaCallback((cb) => store.touch('b', storedSession(60_000), cb))
    await storeGet(store, 'nobody')
    await storeSet(store, 'd', storedSession(60_000))
    expect(Object.keys(await storeAll(store)).sort()).toEqual(['a', 'b', 'd'])
  })

  it('an expired session that MemoryStore drops on a read no longer takes a place', async () => {
    const store = new BoundedMemoryStore({ max: 2 })
    await storeSet(store, 'old', storedSession(-1))
    await storeSet(store, 'live', storedSession(60_000))
    expect(await storeGet(store, 'old')).toBeUndefined()
    await storeSet(store, 'new', storedSession(60_000))
    expect(Object.keys(store.sessions).sort()).toEqual(['live', 'new'])
  })

  it('all() drops the expired sessions it meets, and frees their places too', async () => {
    const store = new BoundedMemoryStore({ max: 2 })
    await storeSet(store, 'old', storedSession(-1))
    await storeSet(store, 'live', storedSession(60_000))
    expect(Object.keys(await storeAll(store))).toEqual(['live'])
    await storeSet(store, 'new', storedSession(60_000))
    expect(Object.keys(store.sessions).sort()).toEqual(['live', 'new'])
  })

  it('destroy and clear free their places', async () => {
    const store = new BoundedMemoryStore({ max: 2 })
    await storeSet(store, 'a', storedSession(60_000))
    await storeSet(store, 'b', storedSession(60_000))
    await viaCallback((cb) => store.destroy('a', cb))
    await storeSet(store, 'c', storedSession(60_000))
    expect(Object.keys(store.sessions).sort()).toEqual(['b', 'c'])
    await viaCallback((cb) => store.clear(cb))
    for (const sid of ['x', 'y']) await storeSet(store, sid, storedSession(60_000))
    expect(Object.keys(store.sessions).sort()).toEqual(['x', 'y'])
  })

  it('the cap is 10,000 unless told, and must be a positive integer', () => {
    expect(new BoundedMemoryStore().max).toBe(10_000)
    for (const max of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => new BoundedMemoryStore({ max })).toThrow('BoundedMemoryStore max option must be a positive integer')
    }
  })
})
