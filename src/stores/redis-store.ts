// #region imports
/**
 * `RedisStore`: sessions in Redis, through the maintained `redis` client
 * (node-redis 5), so that any number of processes can share them.
 *
 * @module
 */

import Store from '../session/store.js'
import type { SessionCallback, SessionData } from '../session/session.js'
import { expiresAt } from './expiry.js'
// #endregion imports

// #region client-and-options
/**
 * The part of a node-redis 5 client this store uses. A `createClient()`
 * client has all of it; a test can hand in anything shaped the same.
 */
export interface RedisLikeClient {
  /** Whether the client is connected and ready for commands. */
  readonly isReady: boolean
  /** GET key. */
  get(key: string): Promise<string | null>
  /** SET key value EX seconds. */
  set(key: string, value: string, options: { EX: number }): Promise<unknown>
  /** DEL key [key …]. */
  del(keys: string | string[]): Promise<number>
  /** EXPIRE key seconds. */
  expire(key: string, seconds: number): Promise<unknown>
  /** MGET key [key …]. */
  mGet(keys: string[]): Promise<Array<string | null>>
  /** SCAN, page by page: each value is one page of keys. */
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>
  /** Listen for the client's connection events. */
  on(event: 'ready' | 'end' | 'error' | 'reconnecting', listener: (...args: unknown[]) => void): unknown
}

/** Options for {@link RedisStore}. */
export interface RedisStoreOptions {
  /** A node-redis client; the store does not connect or close it. */
  client: RedisLikeClient
  /** Put before every session id to make its key; `'sess:'` by default. */
  prefix?: string
  /** Seconds to keep a session whose cookie has no expiry; one day by default. */
  ttl?: number
  /** How many keys to ask SCAN for per page, for all/length/clear; 100 by default. */
  scanCount?: number
}
// #endregion client-and-options

// #region class-and-constructor
/**
 * A {@link Store} that keeps each session as a JSON string under
 * `prefix + id`, expiring with the session's cookie.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * const client = createClient({ url: 'redis://127.0.0.1:6379' })
 * await client.connect()
 * app.use(session({ store: new RedisStore({ client }), secret, resave: false, saveUninitialized: false }))
 * ```
 */
export class RedisStore extends Store {
  readonly #client: RedisLikeClient
  /** The prefix of every key this store writes. */
  readonly prefix: string
  /** Seconds to keep a session whose cookie has no expiry. */
  readonly ttl: number
  readonly #scanCount: number

  /** @param options - the client, and how keys and lifetimes are made */
  constructor(options: RedisStoreOptions) {
    super()
    if (!options || !options.client)
      throw new TypeError('RedisStore needs a client option: a node-redis client (npm install redis)')
    this.#client = options.client
    this.prefix = options.prefix ?? 'sess:'
    this.ttl = options.ttl ?? 86_400
    this.#scanCount = options.scanCount ?? 100
    this.#followClient()
  }
  // #endregion class-and-constructor

  // #region readiness
  /**
   * Pass the client's state on as the store events the middleware listens
   * for: `disconnect` when Redis goes away, `connect` when it is back.
   */
  #followClient(): void {
    const client = this.#client
    // up until the client says otherwise, or is found not ready once session() listens
    let up = true
    const connected = () => {
      if (!up) {
        up = true
        this.emit('connect')
      }
    }
    const disconnected = () => {
      if (up) {
        up = false
        this.emit('disconnect')
      }
    }
    client.on('ready', connected)
    client.on('end', disconnected)
    client.on('reconnecting', disconnected)
    client.on('error', () => {
      if (!client.isReady) disconnected()
    })
    // a client not yet ready at start: say so once session() is listening
    setImmediate(() => {
      if (!client.isReady) disconnected()
    })
  }
  // #endregion readiness

  // #region get-set
  /** Read one session; a missing or expired one (Redis has dropped it) is `null`. */
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.#client.get(this.prefix + sid).then(
      (json) => {
        let sess: SessionData | null
        try {
          sess = json === null ? null : (JSON.parse(json) as SessionData)
        } catch (err) {
          const reason = (err as Error).message
          return callBack(callback, new Error(`corrupt session in Redis under ${this.prefix + sid}: ${reason}`))
        }
        callBack(callback, null, sess)
      },
      (err: unknown) => callBack(callback, err)
    )
  }

  /** Write one session, to expire when its cookie does; one already expired is deleted instead. */
  override set(sid: string, session: SessionData, callback?: SessionCallback): void {
    const ttl = this.#ttlOf(session)
    const done = settle(callback)
    if (ttl <= 0) {
      this.#client.del(this.prefix + sid).then(() => done(), done)
      return
    }
    this.#client.set(this.prefix + sid, JSON.stringify(session), { EX: ttl }).then(() => done(), done)
  }
  // #endregion get-set

  // #region destroy-touch
  /** Delete one session. */
  override destroy(sid: string, callback?: SessionCallback): void {
    const done = settle(callback)
    this.#client.del(this.prefix + sid).then(() => done(), done)
  }

  /**
   * Push a session's expiry forward without rewriting it: EXPIRE only, so
   * that a concurrent request's change to the data is not overwritten.
   */
  override touch(sid: string, session: SessionData, callback?: SessionCallback): void {
    const done = settle(callback)
    this.#client.expire(this.prefix + sid, Math.max(1, this.#ttlOf(session))).then(() => done(), done)
  }
  // #endregion destroy-touch

  // #region all-length-clear
  /** Every session, keyed by id, found with SCAN (never KEYS, which blocks Redis). */
  override all(callback: (err: unknown, sessions?: Record<string, SessionData> | null) => void): void {
    this.#scan()
      .then(async (keys) => {
        const sessions = Object.create(null) as Record<string, SessionData>
        for (let i = 0; i < keys.length; i += this.#scanCount) {
          const page = keys.slice(i, i + this.#scanCount)
          const values = await this.#client.mGet(page)
          values.forEach((json, j) => {
            if (json !== null) sessions[page[j].slice(this.prefix.length)] = JSON.parse(json) as SessionData
          })
        }
        return sessions
      })
      .then(
        (sessions) => callBack(callback, null, sessions),
        (err: unknown) => callBack(callback, err)
      )
  }

  /** How many sessions there are, counted with SCAN. */
  override length(callback: (err: unknown, length?: number) => void): void {
    this.#scan().then(
      (keys) => callBack(callback, null, keys.length),
      (err: unknown) => callBack(callback, err)
    )
  }

  /** Delete every session under this store's prefix, and nothing else. */
  override clear(callback?: SessionCallback): void {
    const done = settle(callback)
    this.#scan()
      .then(async (keys) => {
        for (let i = 0; i < keys.length; i += this.#scanCount)
          await this.#client.del(keys.slice(i, i + this.#scanCount))
      })
      .then(() => done(), done)
  }
  // #endregion all-length-clear

  // #region private-methods
  /** Every key under the prefix, page by page. */
  async #scan(): Promise<string[]> {
    const keys: string[] = []
    const pattern = this.prefix.replace(/[*?[\]\\]/g, '\\$&') + '*'
    for await (const page of this.#client.scanIterator({ MATCH: pattern, COUNT: this.#scanCount })) keys.push(...page)
    return [...new Set(keys)]
  }

  /** Seconds until the session's cookie expires; the default when it has no expiry, or one that is not a date. */
  #ttlOf(session: SessionData): number {
    const expires = expiresAt(session)
    return expires === undefined ? this.ttl : Math.ceil((expires - Date.now()) / 1000)
  }
}
// #endregion private-methods

// #region settle
/**
 * Call a store callback on a later turn of the event loop, as MemoryStore
 * does, and never from inside a promise's reaction: there, an exception the
 * callback throws would become a rejected promise that nobody handles; here
 * it is an uncaught exception, as with any other store.
 */
function callBack<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  if (callback) setImmediate(callback, ...args)
}

/** A handler for a promise's outcome that calls back with nothing or the error. */
function settle(callback?: SessionCallback): (err?: unknown) => void {
  return (err?: unknown) => callBack(callback, err ?? undefined)
}
// #endregion settle
