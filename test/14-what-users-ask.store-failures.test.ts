/**
 * Chapter 14 — the extras when a store fails in an unusual way: a store
 * that calls back with something that is not an Error still yields an
 * Error (with what the store said as its cause), and the odd data the
 * extras meet (a merge that drops a field, an expiry that is not a date)
 * is handled as the chapter says.
 */
import { describe, expect, it, vi } from 'vitest'
import { MemoryStore, type Session, type SessionData } from '../src/index.js'
import { indexSessionsByUser, type SessionIndex } from '../src/extras/log-out-everywhere.js'
import { sessionPromises } from '../src/extras/promises.js'
import { regenerateKeeping } from '../src/extras/regenerate-keeping.js'
import { saveThenRedirect } from '../src/extras/save-then-redirect.js'
import { versionStore } from '../src/extras/versioned-store.js'
import { storedSession, storeSet } from './support/stores.js'

/** What a store says when it fails without an Error. */
const SAID = 'the disk said no'

/** A session whose every callback method fails with a string, not an Error. */
function failingSession(): Session {
  const fail = (callback: (err?: unknown) => void) => callback(SAID)
  return { save: fail, reload: fail, regenerate: fail, destroy: fail } as unknown as Session
}

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (err: unknown) => err as Error
  )
}

describe('a store that fails with something other than an Error (ours only)', () => {
  it.each(['save', 'reload', 'regenerate', 'destroy'] as const)(
    'sessionPromises(req).%s() rejects with an Error whose cause is what the store said',
    async (method) => {
      const err = await rejectionOf(sessionPromises({ session: failingSession() })[method]())
      expect([err instanceof Error, err.message, err.cause]).toEqual([true, `session ${method} failed`, SAID])
    }
  )

  it('regenerateKeeping rejects with an Error whose cause is what the store said', async () => {
    const err = await rejectionOf(regenerateKeeping({ session: failingSession() }, ['cart']))
    expect([err instanceof Error, err.message, err.cause]).toEqual([true, 'session regenerate failed', SAID])
  })

  it('saveThenRedirect rejects with an Error whose cause is what the store said, and does not redirect', async () => {
    const redirect = vi.fn()
    const err = await rejectionOf(saveThenRedirect({ session: failingSession() }, { redirect }, '/'))
    expect([err instanceof Error, err.message, err.cause]).toEqual([true, 'session save failed', SAID])
    expect(redirect).not.toHaveBeenCalled()
  })

  it("versionStore's set reports an Error whose cause is what the store's get said", async () => {
    const inner = new MemoryStore()
    inner.get = (_sid, callback) => callback(SAID)
    const err = await rejectionOf(storeSet(versionStore(inner), 'sid', storedSession(60_000)))
    expect([err instanceof Error, err.message, err.cause]).toEqual([true, 'session store failed', SAID])
  })

  it('logOutEverywhere rejects with an Error whose cause is what the store said when a destroy fails', async () => {
    const store = new MemoryStore()
    store.destroy = (_sid, callback) => callback?.(SAID)
    const sessions = indexSessionsByUser(store, { userOf: (sess) => (sess as { user?: string }).user })
    await storeSet(store, 'a', storedSession(60_000, { user: 'rasmus' }))
    const err = await rejectionOf(sessions.logOutEverywhere('rasmus'))
    expect([err instanceof Error, err.message, err.cause]).toEqual([true, 'session store failed', SAID])
  })
})

describe('a store that fails with an Error (ours only)', () => {
  it('logOutEverywhere rejects with that very Error when a destroy fails', async () => {
    const store = new MemoryStore()
    const failure = new Error('the disk said no')
    store.destroy = (_sid, callback) => callback?.(failure)
    const sessions = indexSessionsByUser(store, { userOf: (sess) => (sess as { user?: string }).user })
    await storeSet(store, 'a', storedSession(60_000, { user: 'rasmus' }))
    expect(await rejectionOf(sessions.logOutEverywhere('rasmus'))).toBe(failure)
  })
})

describe('odd stores and odd data the extras meet (ours only)', () => {
  it('indexSessionsByUser on a store without touch gives it none', () => {
    const store = new MemoryStore()
    Object.defineProperty(store, 'touch', { value: undefined })
    indexSessionsByUser(store, { userOf: () => 'rasmus' })
    expect(typeof store.touch).toBe('undefined')
  })

  it('a merge that leaves out a field of the request’s session: the session drops it too, as written', async () => {
    const store = versionStore(new MemoryStore(), { merge: (stored) => ({ ...stored }) })
    await storeSet(store, 'sid', storedSession(60_000, { cart: ['apple'] }))
    await storeSet(store, 'sid', storedSession(60_000, { cart: ['apple', 'pear'], _version: 1 }))
    const mine = storedSession(60_000, { cart: ['apple'], note: 'mine only', _version: 1 })
    await storeSet(store, 'sid', mine)
    expect(mine).toMatchObject({ cart: ['apple', 'pear'], _version: 3 })
    expect(mine).not.toHaveProperty('note')
  })

  it('a session whose expiry is not a date is indexed as one without expiry', async () => {
    const add = vi.fn<SessionIndex['add']>(async () => {})
    const index: SessionIndex = { add, remove: async () => {}, list: () => Promise.resolve([]) }
    const store = new MemoryStore()
    indexSessionsByUser(store, { userOf: () => 'rasmus', index })
    await storeSet(store, 'sid', { cookie: { expires: 'not a date' } } as SessionData)
    expect(add).toHaveBeenCalledWith('rasmus', 'sid', null)
  })
})
