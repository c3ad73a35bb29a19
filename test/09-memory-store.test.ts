/**
 * Chapter 09 — MemoryStore: sessions as JSON strings in one object, expiry
 * checked only on read, and callbacks that always come later. Each test
 * runs against ours and express-session 1.19.0.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { implementations } from './support/implementations.js'
import { storeAll, storedSession, storeGet, storeLength, storeSet } from './support/stores.js'
import type { SessionData } from '../src/index.js'

/** Whether `call(callback)` calls back before returning. */
function callsBackSynchronously(call: (callback: () => void) => void): boolean {
  let called = false
  call(() => {
    called = true
  })
  return called
}

describe.each(implementations)('$name', ({ session }) => {
  const { MemoryStore } = session

  it('a new store is a Store with no sessions', async () => {
    const store = new MemoryStore()
    expect(store).toBeInstanceOf(session.Store)
    expect(await storeLength(store)).toBe(0)
  })

  it('get returns what set stored', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'abc', storedSession(60_000, { user: 'rasmus' }))
    expect(await storeGet(store, 'abc')).toMatchObject({ user: 'rasmus', cookie: { originalMaxAge: 60_000 } })
  })

  it('a missing session reads as undefined', async () => {
    expect(await storeGet(new MemoryStore(), 'nope')).toBeUndefined()
  })

  it('set stores a copy: later changes to the object do not reach the store', async () => {
    const store = new MemoryStore()
    const data = storedSession(60_000, { user: 'rasmus' }) as SessionData & { user: string }
    await storeSet(store, 'abc', data)
    data.user = 'mallory'
    expect(await storeGet(store, 'abc')).toMatchObject({ user: 'rasmus' })
  })

  it('every get returns a fresh copy', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'abc', storedSession(60_000))
    const [a, b] = [await storeGet(store, 'abc'), await storeGet(store, 'abc')]
    expect(a).toEqual(b)
    expect(a).not.toBe(b)
  })

  it('dates come back as strings, the way any JSON store returns them', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'abc', storedSession(60_000))
    expect(typeof (await storeGet(store, 'abc'))?.cookie.expires).toBe('string')
  })

  it('sessions are kept as JSON strings', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'abc', storedSession(null, { n: 1 }))
    expect(store.sessions.abc).toBe(
      '{"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},"n":1}'
    )
  })

  it('every callback comes later, never during the call', () => {
    const store = new MemoryStore()
    expect([
      callsBackSynchronously((cb) => store.set('a', storedSession(1000), cb)),
      callsBackSynchronously((cb) => store.get('a', cb)),
      callsBackSynchronously((cb) => store.touch('a', storedSession(2000), cb)),
      callsBackSynchronously((cb) => store.all(cb)),
      callsBackSynchronously((cb) => store.length(cb)),
      callsBackSynchronously((cb) => store.destroy('a', cb)),
      callsBackSynchronously((cb) => store.clear(cb))
    ]).toEqual([false, false, false, false, false, false, false])
  })

  it('every method but get works without a callback', () => {
    const store = new MemoryStore()
    store.set('a', storedSession(1000))
    store.touch('a', storedSession(2000))
    store.all(undefined as never)
    store.destroy('a')
    store.clear()
    expect(store.sessions).toEqual({})
  })

  it('an expired session reads as undefined and is removed on that read', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'old', storedSession(-1))
    expect(Object.keys(store.sessions)).toEqual(['old'])
    expect(await storeGet(store, 'old')).toBeUndefined()
    expect(Object.keys(store.sessions)).toEqual([])
  })

  it('an expired session stays in memory until something reads it: the leak', async () => {
    const store = new MemoryStore()
    for (let i = 0; i < 100; i++) await storeSet(store, 'gone' + i, storedSession(-1000))
    expect(Object.keys(store.sessions)).toHaveLength(100)
  })

  it('a session without an expiry never expires', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'forever', storedSession(null))
    expect(await storeGet(store, 'forever')).toBeDefined()
  })

  it('data without a cookie is returned as it is', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'bare', { n: 1 } as unknown as SessionData)
    expect(await storeGet(store, 'bare')).toEqual({ n: 1 })
  })

  it('all returns the live sessions by id, and drops the expired ones it meets', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'live', storedSession(60_000, { n: 1 }))
    await storeSet(store, 'dead', storedSession(-1, { n: 2 }))
    const all = await storeAll(store)
    expect(Object.keys(all)).toEqual(['live'])
    expect(Object.getPrototypeOf(all)).toBeNull()
    expect(Object.keys(store.sessions)).toEqual(['live'])
  })

  it('length counts only live sessions', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'a', storedSession(60_000))
    await storeSet(store, 'b', storedSession(60_000))
    await storeSet(store, 'c', storedSession(-1))
    expect(await storeLength(store)).toBe(2)
  })

  it('length passes an error from all on', async () => {
    const store = new MemoryStore()
    store.all = (cb) => cb(new Error('all failed'))
    await expect(storeLength(store)).rejects.toThrow('all failed')
  })

  it('touch replaces the stored cookie and keeps the data', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'abc', storedSession(1000, { user: 'rasmus' }))
    const later = storedSession(90_000)
    await new Promise<void>((resolve) => store.touch('abc', later, () => resolve()))
    const stored = await storeGet(store, 'abc')
    expect(stored).toMatchObject({ user: 'rasmus', cookie: { originalMaxAge: 90_000 } })
  })

  it('touch does not bring back a session that is gone', async () => {
    const store = new MemoryStore()
    await new Promise<void>((resolve) => store.touch('missing', storedSession(1000), () => resolve()))
    expect(store.sessions).toEqual({})
  })

  it('destroy removes one session, clear removes all', async () => {
    const store = new MemoryStore()
    await storeSet(store, 'a', storedSession(60_000))
    await storeSet(store, 'b', storedSession(60_000))
    await new Promise((resolve) => store.destroy('a', resolve))
    expect(Object.keys(store.sessions)).toEqual(['b'])
    await new Promise((resolve) => store.clear(resolve))
    expect(await storeLength(store)).toBe(0)
  })

  it('ids that name Object.prototype members are ordinary ids', async () => {
    const store = new MemoryStore()
    expect(await storeGet(store, 'constructor')).toBeUndefined()
    expect(await storeGet(store, 'toString')).toBeUndefined()
    await storeSet(store, '__proto__', storedSession(60_000, { n: 1 }))
    expect(await storeGet(store, '__proto__')).toMatchObject({ n: 1 })
    expect(({} as Record<string, unknown>).n).toBeUndefined()
  })
})

describe.each(implementations)('$name: what needs a callback', ({ session }) => {
  it('length calls its callback unchecked: without one, it throws once all has answered', () => {
    const store = new session.MemoryStore()
    store.all = (cb) => cb(null, {}) // at once, so that the throw surfaces here rather than in a later tick
    expect(() => (store.length as (cb?: unknown) => void)()).toThrow(TypeError)
  })
})

describe.each(implementations)('$name', ({ session }) => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('a session whose expiry is this very millisecond reads as gone', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2030-01-01T00:00:00Z') })
    const store = new session.MemoryStore()
    store.sessions.now = JSON.stringify({ cookie: { expires: new Date(Date.now()) } })
    store.sessions.later = JSON.stringify({ cookie: { expires: new Date(Date.now() + 1) } })
    expect([await storeGet(store, 'now'), Object.keys(store.sessions)]).toEqual([undefined, ['later']])
  })
})

describe.each(implementations)('$name: destroying what is not there', ({ session }) => {
  it('destroy of an id the store does not hold calls back without an error', async () => {
    const store = new session.MemoryStore()
    await storeSet(store, 'kept', storedSession(60_000))
    const answer = await new Promise<unknown[]>((resolve) => store.destroy('never-stored', (...args) => resolve(args)))
    expect([answer.filter((arg) => arg != null), Object.keys(store.sessions)]).toEqual([[], ['kept']])
  })
})

describe.each(implementations)('$name: touch meets an expired session', ({ session }) => {
  it('touch on an expired session removes it instead of renewing it', async () => {
    const store = new session.MemoryStore()
    await storeSet(store, 'old', storedSession(-1000, { user: 'rasmus' }))
    await new Promise<void>((resolve) => store.touch('old', storedSession(60_000), () => resolve()))
    expect([Object.keys(store.sessions), await storeGet(store, 'old')]).toEqual([[], undefined])
  })
})
