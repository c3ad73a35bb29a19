// #region imports
/**
 * `indexSessionsByUser`: a store wrapper that keeps, beside the sessions,
 * an index from each user to the ids of their sessions, so that one call
 * can log a user out of every browser at once. The index lives in this
 * process ({@link MemorySessionIndex}) or in Redis ({@link RedisSessionIndex}).
 *
 * @module
 */

import type { SessionCallback, SessionData, Store } from '../index.js'
// #endregion imports

// #region types
/**
 * Where the index keeps, for each user, the ids of their sessions and when
 * each one expires. It may remember more than is true (a session destroyed
 * by another process, say): the wrapper checks every id against the store
 * before it acts on it. It must never remember less.
 */
export interface SessionIndex {
  /** Record that session `sid` belongs to `user` until `expires` (milliseconds since 1970; `null` for no expiry). */
  add(user: string, sid: string, expires: number | null): Promise<void>
  /** Forget that session `sid` belongs to `user`. */
  remove(user: string, sid: string): Promise<void>
  /** The ids recorded for `user` whose expiry has not passed. */
  list(user: string): Promise<string[]>
}

/** Options for {@link indexSessionsByUser}. */
export interface UserIndexOptions {
  /** The user a session belongs to, or `undefined` when nobody is logged in on it. */
  userOf: (session: SessionData) => string | undefined
  /** Where to keep the index; a {@link MemorySessionIndex} (this process only) by default. */
  index?: SessionIndex
}

/** What {@link indexSessionsByUser} returns: what the index can answer, and do. */
export interface UserSessions {
  /** The index in use. */
  readonly index: SessionIndex
  /** The ids of the user's live sessions, each checked against the store. */
  sessionsOf(user: string): Promise<string[]>
  /**
   * Destroy every live session of `user`, except `options.except` (the
   * current one, for "log out my other devices"); resolves with how many
   * were destroyed.
   */
  logOutEverywhere(user: string, options?: { except?: string }): Promise<number>
}
// #endregion types

// #region index-sessions-by-user
/**
 * Keep an index of each user's sessions beside `store`, which is changed in
 * place (as `guardStore` does) so that it keeps its identity, its events and
 * its own `createSession`. Every `set` and `touch` records the session's
 * user and expiry in the index first, then writes the session: an index
 * that fails fails the write, so a session is never stored unindexed. Every
 * `destroy` reads the session first, to learn whose it was.
 *
 * @example
 * ```ts
 * const store = new RedisStore({ client })
 * const sessions = indexSessionsByUser(store, {
 *   userOf: (sess) => (sess as { user?: string }).user,
 *   index: new RedisSessionIndex({ client })
 * })
 * app.use(session({ store, secret, resave: false, saveUninitialized: false }))
 * app.post('/password', async (req, res) => {
 *   // … change the password …
 *   await sessions.logOutEverywhere(req.session.user, { except: req.sessionID })
 *   res.redirect(303, '/')
 * })
 * ```
 */
export function indexSessionsByUser(store: Store, options: UserIndexOptions): UserSessions {
  const index = options.index ?? new MemorySessionIndex()
  const { userOf } = options
  const get = store.get.bind(store)
  const set = store.set.bind(store)
  const destroy = store.destroy.bind(store)
  const touch = store.touch?.bind(store)

  /** Write the session's user and expiry to the index; nothing when nobody is logged in. */
  const record = (sid: string, sess: SessionData): Promise<void> => {
    const user = userOf(sess)
    return user === undefined ? Promise.resolve() : index.add(user, sid, expiryOf(sess))
  }

  replace(store, 'set', (sid: string, sess: SessionData, callback?: SessionCallback) => {
    void record(sid, sess).then(
      () => set(sid, sess, callback),
      (err: unknown) => callback?.(err)
    )
  })
  if (touch) {
    replace(store, 'touch', (sid: string, sess: SessionData, callback?: SessionCallback) => {
      void record(sid, sess).then(
        () => touch(sid, sess, callback),
        (err: unknown) => callback?.(err)
      )
    })
  }
  replace(store, 'destroy', (sid: string, callback?: SessionCallback) => {
    get(sid, (_err, sess) => {
      const user = sess ? userOf(sess) : undefined
      destroy(sid, (err?: unknown) => {
        if (user === undefined || err) return callback?.(err)
        // a stale entry is harmless (ids are checked before use), so a failed removal is no error
        void index.remove(user, sid).then(
          () => callback?.(),
          () => callback?.()
        )
      })
    })
  })

  /** The user's ids that the store still has, as sessions of that user. */
  const sessionsOf = async (user: string): Promise<string[]> => {
    const ids = await index.list(user)
    const owned = await Promise.all(ids.map(async (sid) => userOfStored(get, userOf, sid).then((u) => u === user)))
    return ids.filter((_sid, i) => owned[i])
  }

  return {
    index,
    sessionsOf,
    async logOutEverywhere(user, { except } = {}) {
      const ids = (await sessionsOf(user)).filter((sid) => sid !== except)
      await Promise.all(
        ids.map(
          (sid) =>
            new Promise<void>((resolve, reject) =>
              store.destroy(sid, (err) => (err ? reject(toError(err)) : resolve()))
            )
        )
      )
      return ids.length
    }
  }
}
// #endregion index-sessions-by-user

// #region helpers
/** Put `fn` on the store in place of its method, as a non-enumerable own property. */
function replace(store: Store, method: 'set' | 'touch' | 'destroy', fn: (...args: never[]) => void): void {
  Object.defineProperty(store, method, { configurable: true, enumerable: false, writable: true, value: fn })
}

/** When the session's cookie expires, in milliseconds; `null` for a cookie without expiry. */
function expiryOf(sess: SessionData): number | null {
  const expires: unknown = sess.cookie && sess.cookie.expires
  if (expires === null || expires === undefined) return null
  const ms = new Date(expires as string | Date).getTime()
  return Number.isFinite(ms) ? ms : null
}

/** The user of the session stored under `sid`, or `undefined` when the store has none (or fails). */
function userOfStored(get: Store['get'], userOf: UserIndexOptions['userOf'], sid: string): Promise<string | undefined> {
  return new Promise((resolve) => get(sid, (err, sess) => resolve(!err && sess ? userOf(sess) : undefined)))
}

/** A store's error as an Error. */
function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error('session store failed', { cause: err })
}
// #endregion helpers

// #region memory-index
/**
 * A {@link SessionIndex} in this process's memory: right for a
 * `MemoryStore` or a `FileStore`, which one process owns. Expired entries
 * are dropped whenever their user's entries are written or listed, and the
 * whole index is swept whenever it has doubled since the last sweep, so it
 * never grows far beyond the sessions that are alive.
 */
export class MemorySessionIndex implements SessionIndex {
  readonly #users = new Map<string, Map<string, number>>()
  #size = 0
  #sweepAt = 1024

  /** How many (user, session) entries the index holds, expired ones not yet dropped included. */
  get size(): number {
    return this.#size
  }

  /** Record that session `sid` belongs to `user` until `expires`. */
  add(user: string, sid: string, expires: number | null): Promise<void> {
    let sids = this.#users.get(user)
    if (!sids) this.#users.set(user, (sids = new Map<string, number>()))
    if (!sids.has(sid)) this.#size++
    sids.set(sid, expires ?? Infinity)
    this.#dropExpired(user, sids)
    if (this.#size >= this.#sweepAt) this.#sweep()
    return Promise.resolve()
  }

  /** Forget that session `sid` belongs to `user`. */
  remove(user: string, sid: string): Promise<void> {
    const sids = this.#users.get(user)
    if (sids?.delete(sid)) {
      this.#size--
      if (sids.size === 0) this.#users.delete(user)
    }
    return Promise.resolve()
  }

  /** The ids recorded for `user` whose expiry has not passed. */
  list(user: string): Promise<string[]> {
    const sids = this.#users.get(user)
    if (sids) this.#dropExpired(user, sids)
    return Promise.resolve([...(this.#users.get(user)?.keys() ?? [])])
  }

  #dropExpired(user: string, sids: Map<string, number>): void {
    const now = Date.now()
    for (const [sid, expires] of sids) {
      if (expires <= now) {
        sids.delete(sid)
        this.#size--
      }
    }
    if (sids.size === 0) this.#users.delete(user)
  }

  #sweep(): void {
    for (const [user, sids] of this.#users) this.#dropExpired(user, sids)
    this.#sweepAt = Math.max(1024, this.#size * 2)
  }
}
// #endregion memory-index

// #region redis-index
/**
 * The part of a node-redis 5 client {@link RedisSessionIndex} uses. A
 * `createClient()` client has all of it; a test can hand in a stand-in.
 */
export interface RedisIndexClient {
  /** ZADD key score member. */
  zAdd(key: string, member: { score: number; value: string }): Promise<unknown>
  /** ZREM key member. */
  zRem(key: string, member: string): Promise<unknown>
  /** ZRANGEBYSCORE key min max. */
  zRangeByScore(key: string, min: number | string, max: number | string): Promise<string[]>
  /** ZREMRANGEBYSCORE key min max. */
  zRemRangeByScore(key: string, min: number | string, max: number | string): Promise<unknown>
  /** PEXPIREAT key milliseconds NX|GT (Redis 7 or later). */
  pExpireAt(key: string, ms: number, mode: 'NX' | 'GT'): Promise<unknown>
}

/** Options for {@link RedisSessionIndex}. */
export interface RedisSessionIndexOptions {
  /** A node-redis client; the index does not connect or close it. */
  client: RedisIndexClient
  /** Put before every user to make the key of their sorted set; `'sess-user:'` by default. */
  prefix?: string
  /** Seconds to keep the entry of a session whose cookie has no expiry; one day by default, as RedisStore. */
  ttl?: number
}

/**
 * A {@link SessionIndex} in Redis, shared by every process: one sorted set
 * per user, its members the session ids, each scored by its expiry. A write
 * also drops the members whose time has passed and lets the whole key
 * expire with its last session, so a user who never comes back leaves
 * nothing behind. Needs Redis 7 (for `PEXPIREAT … NX` and `GT`).
 */
export class RedisSessionIndex implements SessionIndex {
  readonly #client: RedisIndexClient
  /** The prefix of every key this index writes. */
  readonly prefix: string
  /** Seconds to keep the entry of a session whose cookie has no expiry. */
  readonly ttl: number

  /** @param options - the client, and how keys and lifetimes are made */
  constructor(options: RedisSessionIndexOptions) {
    if (!options || !options.client) throw new TypeError('RedisSessionIndex needs a client option: a node-redis client')
    this.#client = options.client
    this.prefix = options.prefix ?? 'sess-user:'
    this.ttl = options.ttl ?? 86_400
  }

  /** Record that session `sid` belongs to `user` until `expires`: four commands, sent together. */
  async add(user: string, sid: string, expires: number | null): Promise<void> {
    const key = this.prefix + user
    const score = expires ?? Date.now() + this.ttl * 1000
    await Promise.all([
      this.#client.zRemRangeByScore(key, '-inf', Date.now()),
      this.#client.zAdd(key, { score, value: sid }),
      // NX gives a new key its expiry, GT only ever pushes it later
      this.#client.pExpireAt(key, score, 'NX'),
      this.#client.pExpireAt(key, score, 'GT')
    ])
  }

  /** Forget that session `sid` belongs to `user`. */
  async remove(user: string, sid: string): Promise<void> {
    await this.#client.zRem(this.prefix + user, sid)
  }

  /** The ids recorded for `user` whose expiry has not passed. */
  list(user: string): Promise<string[]> {
    return this.#client.zRangeByScore(this.prefix + user, Date.now(), '+inf')
  }
}
// #endregion redis-index
