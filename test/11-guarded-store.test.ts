/**
 * Chapter 11 — guardStore on its own: the callback runs exactly once,
 * whatever the store does, and a call without a callback goes through
 * untouched.
 */
import { describe, expect, it } from 'vitest'
import { MemoryStore, type SessionData, type Store } from '../src/index.js'
import { guardStore, StoreTimeoutError } from '../src/stores/guarded-store.js'
import { sleep } from './support/apps.js'
import { storedSession, storeGet, viaCallback } from './support/stores.js'

/** A MemoryStore whose get is replaced by `get`. */
function storeWithGet(get: (sid: string, callback: (err: unknown, sess?: SessionData | null) => void) => void): Store {
  const store = new MemoryStore()
  store.get = get
  return store
}

/** Every call of a guarded get's callback, collected until the test looks. */
function answersOf(store: Store, sid = 'abc'): unknown[][] {
  const answers: unknown[][] = []
  store.get(sid, (...args: unknown[]) => answers.push(args))
  return answers
}

describe('guardStore (ours only)', () => {
  it('a store that calls back twice: the callback runs once, with the first answer', async () => {
    const store = guardStore(
      storeWithGet((_sid, callback) => {
        callback(null, null)
        callback(new Error('a second answer'))
      })
    )
    const answers = answersOf(store)
    await sleep(10)
    expect(answers).toEqual([[null, null]])
  })

  it('an answer that comes after the time limit is dropped: the callback has had the timeout', async () => {
    const store = guardStore(
      storeWithGet((_sid, callback) => {
        setTimeout(() => callback(null, null), 40)
      }),
      { timeout: 10 }
    )
    const answers = answersOf(store)
    await sleep(80)
    expect(answers).toEqual([[new StoreTimeoutError('get', 10)]])
  })

  it('a store that throws something other than an Error: the message says what it threw', async () => {
    const store = guardStore(
      storeWithGet(() => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a store that throws a string is the case under test
        throw 'a string, not an Error'
      })
    )
    const answers = answersOf(store)
    await sleep(10)
    expect(answers).toHaveLength(1)
    expect((answers[0][0] as Error).message).toBe('session store get() threw: a string, not an Error')
    expect((answers[0][0] as Error).cause).toBe('a string, not an Error')
  })

  it('a call without a callback goes through to the store as it was made', async () => {
    const store = guardStore(new MemoryStore())
    store.set('abc', storedSession(60_000, { user: 'rasmus' }))
    await sleep(10)
    expect(await storeGet(store, 'abc')).toMatchObject({ user: 'rasmus' })
  })

  it('a guarded method taken off its store and called on its own still runs on the store', async () => {
    const store = guardStore(new MemoryStore())
    // eslint-disable-next-line @typescript-eslint/unbound-method -- calling it unbound is the case under test
    const { set } = store
    await viaCallback((cb) => set('abc', storedSession(60_000, { user: 'rasmus' }), cb))
    expect(await storeGet(store, 'abc')).toMatchObject({ user: 'rasmus' })
  })
})

describe('guardStore: the timeout error and the methods it covers (ours only)', () => {
  it("a call that times out gets an error named StoreTimeoutError, with code ESTORETIMEOUT and the method's name", async () => {
    const store = guardStore(
      storeWithGet(() => {}),
      { timeout: 10 }
    )
    const answers = answersOf(store)
    await sleep(40)
    const err = answers[0]?.[0] as StoreTimeoutError
    expect({ name: err.name, code: err.code, message: err.message }).toEqual({
      name: 'StoreTimeoutError',
      code: 'ESTORETIMEOUT',
      message: 'session store get() did not answer within 10 ms'
    })
  })

  it('all, length and clear are guarded as well as get, set, destroy and touch', async () => {
    const silent = new MemoryStore()
    silent.all = () => {}
    silent.length = () => {}
    silent.clear = () => {}
    const store = guardStore(silent, { timeout: 10 })
    const messages: string[] = []
    const note = (err: unknown) => messages.push((err as Error).message)
    store.all(note)
    store.length(note)
    store.clear(note)
    await sleep(40)
    expect(messages.sort()).toEqual([
      'session store all() did not answer within 10 ms',
      'session store clear() did not answer within 10 ms',
      'session store length() did not answer within 10 ms'
    ])
  })

  it('each guarded method is an own property that can be replaced again, kept out of for … in', () => {
    const store = guardStore(new MemoryStore())
    const flags = (['get', 'set', 'destroy', 'touch', 'all', 'length', 'clear'] as const).map((m) => {
      const { configurable, enumerable, writable } = Object.getOwnPropertyDescriptor(store, m) ?? {}
      return { configurable, enumerable, writable }
    })
    expect(flags).toEqual(Array(7).fill({ configurable: true, enumerable: false, writable: true }))
  })
})

describe('guardStore: the store a guarded method runs on (ours only)', () => {
  it('a guarded method called on another store runs on that store, as the method it wraps would', async () => {
    const guarded = guardStore(new MemoryStore())
    const other = new MemoryStore()
    await viaCallback((cb) => guarded.set.call(other, 'abc', storedSession(60_000, { user: 'rasmus' }), cb))
    expect(await storeGet(other, 'abc')).toMatchObject({ user: 'rasmus' })
    expect(await storeGet(guarded, 'abc')).toBeUndefined()
  })
})

describe('guardStore: a call without a callback (ours only)', () => {
  it('a call without a callback to a store that throws throws at the caller, as it would without the guard', () => {
    const inner = new MemoryStore()
    inner.set = () => {
      throw new Error('disk on fire')
    }
    const store = guardStore(inner, { timeout: 1 })
    expect(() => store.set('abc', storedSession(60_000))).toThrow('disk on fire')
  })
})
