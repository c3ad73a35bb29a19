/**
 * Helpers around stores: promisified calls, and a counter of writes so a
 * test can say "saved" or "not saved" about a request.
 */
import type { SessionData, Store } from '../../src/index.js'

/** `store.get` as a promise. */
export function storeGet(store: Store, sid: string): Promise<SessionData | null | undefined> {
  return viaCallback((cb) => store.get(sid, cb))
}

/** `store.set` as a promise. */
export async function storeSet(store: Store, sid: string, sess: SessionData): Promise<void> {
  await viaCallback((cb) => store.set(sid, sess, cb))
}

/** `store.length` as a promise. */
export async function storeLength(store: Store): Promise<number> {
  if (!store.length) throw new Error('store has no length()')
  const length = store.length.bind(store)
  return (await viaCallback<number>((cb) => length(cb))) as number
}

/** `store.all` as a promise: the sessions by id. */
export async function storeAll(store: Store): Promise<Record<string, SessionData>> {
  if (!store.all) throw new Error('store has no all()')
  const all = store.all.bind(store)
  const sessions = await viaCallback<Record<string, SessionData> | SessionData[] | null>((cb) => all(cb))
  return sessions as Record<string, SessionData>
}

/** Count calls to a store's methods, passing them through. */
export function countCalls(
  store: Store,
  ...methods: Array<'get' | 'set' | 'destroy' | 'touch'>
): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const method of methods) {
    counts[method] = 0
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the store's own this
    const original = store[method] as (...args: unknown[]) => void
    ;(store as unknown as Record<string, unknown>)[method] = function (this: Store, ...args: unknown[]) {
      counts[method]++
      return original.apply(this, args)
    }
  }
  return counts
}

/** Hold every `set` on a store until the test releases it. */
export function holdSets(store: Store): { release: () => void; pending: () => number } {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the store's own this
  const original = store.set
  const waiting: Array<() => void> = []
  store.set = function (this: Store, sid, sess, cb) {
    waiting.push(() => original.call(this, sid, sess, cb))
  }
  return {
    release: () => {
      for (const run of waiting.splice(0)) run()
    },
    pending: () => waiting.length
  }
}

/** A store whose callbacks run synchronously, inside the call. */
export function syncStore(StoreBase: new () => Store): Store & { sessions: Map<string, string> } {
  const store = new StoreBase() as Store & { sessions: Map<string, string> }
  store.sessions = new Map()
  store.get = (sid, cb) => {
    const json = store.sessions.get(sid)
    cb(null, json ? (JSON.parse(json) as SessionData) : undefined)
  }
  store.set = (sid, sess, cb) => {
    store.sessions.set(sid, JSON.stringify(sess))
    cb?.()
  }
  store.destroy = (sid, cb) => {
    store.sessions.delete(sid)
    cb?.()
  }
  return store
}

/** Session data as a store holds it, its cookie expiring `ms` from now (never, for null). */
export function storedSession(ms: number | null, extra: Record<string, unknown> = {}): SessionData {
  const expires = ms === null ? null : new Date(Date.now() + ms)
  return { cookie: { originalMaxAge: ms, expires, httpOnly: true, path: '/' }, ...extra } as SessionData
}

/** What a callback-style call called back with: its error argument exactly as given (null, undefined or an error), and its value. */
function calledBack<T>(run: (cb: (err: unknown, value?: T) => void) => void): Promise<{ err: unknown; value?: T }> {
  return new Promise((resolve) => run((err, value) => resolve({ err, value })))
}

/** A callback-style call as a promise of its result; an error rejects it. */
export async function viaCallback<T>(run: (cb: (err: unknown, value?: T) => void) => void): Promise<T | undefined> {
  const { err, value } = await calledBack(run)
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- a store may report anything; the test sees just that
  if (err) throw err
  return value
}

/** A callback-style call as a promise of the error it reported, as given: `null` and `undefined` stay apart. */
export async function errorOf(run: (cb: (err?: unknown) => void) => void): Promise<unknown> {
  return (await calledBack(run)).err
}
