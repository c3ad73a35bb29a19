/**
 * Helpers around stores: promisified calls, and a counter of writes so a
 * test can say "saved" or "not saved" about a request.
 */
import type { SessionData, Store } from '../../src/index.js'

/** `store.get` as a promise. */
export function storeGet(store: Store, sid: string): Promise<SessionData | null | undefined> {
  return new Promise((resolve, reject) => {
    store.get(sid, (err, sess) => (err ? reject(err) : resolve(sess)))
  })
}

/** `store.set` as a promise. */
export function storeSet(store: Store, sid: string, sess: SessionData): Promise<void> {
  return new Promise((resolve, reject) => {
    store.set(sid, sess, (err) => (err ? reject(err) : resolve()))
  })
}

/** `store.length` as a promise. */
export function storeLength(store: Store): Promise<number> {
  return new Promise((resolve, reject) => {
    if (!store.length) return reject(new Error('store has no length()'))
    store.length((err, n) => (err ? reject(err) : resolve(n as number)))
  })
}

/** `store.all` as a promise. */
export function storeAll(store: Store): Promise<Record<string, SessionData>> {
  return new Promise((resolve, reject) => {
    if (!store.all) return reject(new Error('store has no all()'))
    store.all((err, all) => (err ? reject(err) : resolve(all as Record<string, SessionData>)))
  })
}

/** Count calls to a store's methods, passing them through. */
export function countCalls(store: Store, ...methods: Array<'get' | 'set' | 'destroy' | 'touch'>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const method of methods) {
    counts[method] = 0
    const original = store[method] as (...args: unknown[]) => void
    ;(store as unknown as Record<string, unknown>)[method] = function (this: Store, ...args: unknown[]) {
      counts[method]++
      return original.apply(this, args)
    }
  }
  return counts
}
