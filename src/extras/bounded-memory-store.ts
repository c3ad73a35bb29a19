// #region imports
/**
 * `BoundedMemoryStore`: the `MemoryStore`, with a cap on how many sessions
 * it holds; one more than the cap evicts the least recently used.
 *
 * @module
 */

import { MemoryStore, type SessionCallback, type SessionData } from '../index.js'
// #endregion imports

// #region options
/** Options for {@link BoundedMemoryStore}. */
export interface BoundedMemoryStoreOptions {
  /** The most sessions kept; storing one more evicts the least recently used. 10,000 by default. */
  max?: number
}
// #endregion options

// #region class
/**
 * A {@link MemoryStore} that never holds more than `max` sessions. Every
 * `get` that finds a session, every `set` and every `touch` makes it the
 * most recently used; a `set` that takes the store over `max` evicts the
 * least recently used — which is where expired sessions nobody reads end
 * up. Everything else is MemoryStore's, unchanged.
 *
 * @example
 * ```ts
 * app.use(session({ store: new BoundedMemoryStore({ max: 50_000 }), secret, resave: false, saveUninitialized: false }))
 * ```
 */
export class BoundedMemoryStore extends MemoryStore {
  /** The most sessions this store keeps. */
  readonly max: number
  /** Every stored id, least recently used first (a Map keeps insertion order). */
  readonly #recent = new Map<string, true>()

  /** @param options - the cap */
  constructor(options: BoundedMemoryStoreOptions = {}) {
    super()
    const max = options.max ?? 10_000
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError('BoundedMemoryStore max option must be a positive integer')
    }
    this.max = max
  }
  // #endregion class

  // #region methods
  /** MemoryStore's `get`; a session found becomes the most recently used. */
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    super.get(sid, callback)
    this.#use(sid)
  }

  /** MemoryStore's `set`, then evict the least recently used while over the cap. */
  override set(sid: string, session: SessionData, callback?: SessionCallback): void {
    super.set(sid, session, callback)
    this.#use(sid)
    for (const oldest of this.#recent.keys()) {
      if (this.#recent.size <= this.max) break
      this.#recent.delete(oldest)
      delete this.sessions[oldest]
    }
  }

  /** MemoryStore's `touch`; the session becomes the most recently used. */
  override touch(sid: string, session: SessionData, callback?: SessionCallback): void {
    super.touch(sid, session, callback)
    this.#use(sid)
  }

  /** MemoryStore's `destroy`; the id's place is freed. */
  override destroy(sid: string, callback?: SessionCallback): void {
    super.destroy(sid, callback)
    this.#recent.delete(sid)
  }

  /** MemoryStore's `clear`; every place is freed. */
  override clear(callback?: SessionCallback): void {
    super.clear(callback)
    this.#recent.clear()
  }

  /** MemoryStore's `all`, which drops the expired sessions it meets; their places are freed. */
  override all(callback: (err: unknown, sessions?: Record<string, SessionData> | null) => void): void {
    super.all(callback)
    for (const sid of this.#recent.keys()) if (!(sid in this.sessions)) this.#recent.delete(sid)
  }
  // #endregion methods

  // #region use
  /**
   * Bring the order up to date after MemoryStore has run, which it does
   * synchronously (only its callbacks wait): a session still stored moves
   * to the most recent end; one MemoryStore dropped as expired leaves.
   */
  #use(sid: string): void {
    this.#recent.delete(sid)
    if (sid in this.sessions) this.#recent.set(sid, true)
  }
}
// #endregion use
