/**
 * Chapter 09's challenges, answered as tests against both implementations.
 */
import { describe, expect, it } from 'vitest'
import { implementations } from '../../test/support/implementations.js'
import { storedSession, storeSet } from '../../test/support/stores.js'
import type { MemoryStore } from '../../src/index.js'

describe.each(implementations)('$name', ({ session }) => {
  // #region answer-sweep
  /** Read every session once: getSession drops each expired one it meets. */
  function sweep(store: MemoryStore): Promise<void> {
    return new Promise((resolve) => store.all(() => resolve()))
  }
  // in an app: setInterval(() => sweep(store), 60_000).unref()

  it('a sweep through all() removes expired sessions that nobody asks for', async () => {
    const store = new session.MemoryStore()
    await storeSet(store, 'gone', storedSession(-1000))
    await storeSet(store, 'live', storedSession(60_000))
    expect(Object.keys(store.sessions)).toEqual(['gone', 'live'])

    await sweep(store)

    expect(Object.keys(store.sessions)).toEqual(['live'])
  })
  // #endregion answer-sweep

  // #region answer-no-expiry
  it('a sweep cannot remove what never expires: sessions of the default cookie stay', async () => {
    const store = new session.MemoryStore()
    await storeSet(store, 'no-max-age', storedSession(null)) // what `cookie: {}` stores: expires null
    await sweep(store)
    expect(Object.keys(store.sessions)).toEqual(['no-max-age'])
  })
  // #endregion answer-no-expiry
})
