// #region imports
/**
 * `versionStore`: an optimistic check against the lost update. Each stored
 * session carries a version; a save made from a copy older than what the
 * store holds is refused, or merged by a function the application gives.
 *
 * @module
 */

import type { SessionCallback, SessionData, Store } from '../index.js'
// #endregion imports

// #region options
/** Reconcile a stale save: `stored` is what the store holds now, `mine` what this request would write. */
export type MergeSessions = (stored: SessionData, mine: SessionData) => SessionData

/** Options for {@link versionStore}. */
export interface VersionOptions {
  /** The session key that holds the version; `'_version'` by default. */
  key?: string
  /**
   * Reconcile a save made from an older copy with what the store holds.
   * Without it, such a save is refused with a {@link StaleSessionError}.
   */
  merge?: MergeSessions
}

/** The error a versioned store reports for a save made from a copy older than the stored session. */
export class StaleSessionError extends Error {
  /** A code to tell this error apart without parsing its message. */
  readonly code = 'ESTALESESSION'

  /**
   * @param sid - the session whose save was refused
   * @param reason - `'changed'`: another request saved it meanwhile; `'gone'`: it was destroyed or expired meanwhile
   */
  constructor(
    sid: string,
    readonly reason: 'changed' | 'gone'
  ) {
    super(
      `session ${sid.slice(0, 8)}… was ${reason === 'gone' ? 'destroyed' : 'changed'} by another request since this one loaded it`
    )
    this.name = 'StaleSessionError'
  }
}
// #endregion options

// #region version-store
/**
 * Put an optimistic check in front of `store.set`, in place (the store
 * keeps its identity, events and other methods). Each save reads the stored
 * version first: when it is the one this request loaded, the save goes
 * through and a change moves the version on by one; when another request
 * saved meanwhile, the save is merged by `options.merge` or refused. Saves
 * of one id are checked one after another within this process; across
 * processes the check needs the store's own compare-and-set.
 *
 * @example
 * ```ts
 * const store = versionStore(new MemoryStore(), {
 *   merge: (stored, mine) => ({ ...mine, cart: [...new Set([...stored.cart, ...mine.cart])] })
 * })
 * app.use(session({ store, secret, resave: false, saveUninitialized: false }))
 * ```
 */
export function versionStore<S extends Store>(store: S, options: VersionOptions = {}): S {
  const key = options.key ?? '_version'
  const get = store.get.bind(store)
  const set = store.set.bind(store)
  const queue = new Map<string, Promise<void>>()

  /** Read what is stored, decide, write; `mine` then holds the version (and data) that was written. */
  const checkAndWrite = (sid: string, mine: SessionData) =>
    new Promise<void>((resolve, reject) => {
      get(sid, (err, stored) => {
        if (err) return reject(toError(err))
        const decision = reconcile(sid, stored ?? undefined, mine, key, options.merge)
        if (decision instanceof StaleSessionError) return reject(decision)
        set(sid, decision, (setErr?: unknown) => {
          if (setErr) return reject(toError(setErr))
          adopt(mine, decision)
          resolve()
        })
      })
    })

  Object.defineProperty(store, 'set', {
    configurable: true,
    enumerable: false,
    writable: true,
    value: (sid: string, sess: SessionData, callback?: SessionCallback) => {
      void oneAtATime(queue, sid, () => checkAndWrite(sid, sess)).then(
        () => callback?.(),
        (err: unknown) => callback?.(err)
      )
    }
  })
  return store
}
// #endregion version-store

// #region reconcile
/** What to write for `mine`, given what is `stored`; a StaleSessionError when it must be refused. */
function reconcile(
  sid: string,
  stored: SessionData | undefined,
  mine: SessionData,
  key: string,
  merge: MergeSessions | undefined
): SessionData | StaleSessionError {
  const loaded = versionOf(mine, key)
  if (!stored) {
    // nothing stored: a new session, or one destroyed (or expired) since this request loaded it
    return loaded === 0 ? withVersion(mine, key, 1) : new StaleSessionError(sid, 'gone')
  }
  const current = versionOf(stored, key)
  // the same data as stored (a touch, a save that changed nothing): only the cookie moves
  if (sameData(stored, mine, key)) return withVersion(mine, key, current)
  if (loaded === current) return withVersion(mine, key, current + 1)
  if (!merge) return new StaleSessionError(sid, 'changed')
  return withVersion({ ...merge(stored, mine), cookie: mine.cookie }, key, current + 1)
}
// #endregion reconcile

// #region helpers
/** The version a session carries; a session without one is at version 0. */
function versionOf(sess: SessionData, key: string): number {
  const version = (sess as unknown as Record<string, unknown>)[key]
  return typeof version === 'number' ? version : 0
}

/** A copy of `sess`'s data with the version set. */
function withVersion(sess: SessionData, key: string, version: number): SessionData {
  return { ...sess, [key]: version }
}

/** Whether two sessions hold the same data, leaving out the cookie and the version. */
function sameData(a: SessionData, b: SessionData, key: string): boolean {
  const strip = (sess: SessionData) => JSON.stringify({ ...sess, cookie: undefined, [key]: undefined })
  return strip(a) === strip(b)
}

/** Make the request's session what was written: its version, and a merge's data. */
function adopt(mine: SessionData, written: SessionData): void {
  const target = mine as unknown as Record<string, unknown>
  for (const name of Object.keys(target)) if (name !== 'cookie' && !(name in written)) delete target[name]
  for (const [name, value] of Object.entries(written)) {
    if (name === 'cookie') continue
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true })
  }
}

/** Run `task` after every earlier task queued for `sid` has settled. */
function oneAtATime(queue: Map<string, Promise<void>>, sid: string, task: () => Promise<void>): Promise<void> {
  const run = (queue.get(sid) ?? Promise.resolve()).then(task)
  const settled = run.then(
    () => {},
    () => {}
  )
  queue.set(sid, settled)
  void settled.then(() => {
    if (queue.get(sid) === settled) queue.delete(sid)
  })
  return run
}

/** A store's error as an Error. */
function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error('session store failed', { cause: err })
}
// #endregion helpers
