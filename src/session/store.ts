// #region imports (session/store.js 10-18)
/**
 * `Store`: the base every session store inherits from. It is an
 * EventEmitter with three helpers; the storage itself (`get`, `set`,
 * `destroy`, and optionally `touch`, `all`, `length`, `clear`) is the
 * subclass's. Mirrors express-session's `session/store.js`.
 *
 * @module
 */

import { EventEmitter } from 'node:events'
import util from 'node:util'
import Cookie from './cookie.js'
import type { CookieOptions } from './cookie.js'
import Session from './session.js'
import type { SessionCallback, SessionData, SessionRequest } from './session.js'
// #endregion imports

// #region types (ours only)
/**
 * The contract between the middleware and a store. A store must implement
 * `get`, `set` and `destroy`; `touch` lets `resave: false` keep sessions
 * alive without rewriting them; `all`, `length` and `clear` are optional
 * extras. Every callback follows Node's `(err, result)` convention.
 *
 * @example
 * ```ts
 * import { Store, type SessionData } from 'express-session-annotated'
 *
 * class MapStore extends Store {
 *   sessions = new Map<string, string>()
 *   get(sid: string, cb: (err: unknown, sess?: SessionData | null) => void) {
 *     const json = this.sessions.get(sid)
 *     cb(null, json ? JSON.parse(json) : null)
 *   }
 *   set(sid: string, sess: SessionData, cb?: (err?: unknown) => void) {
 *     this.sessions.set(sid, JSON.stringify(sess))
 *     cb?.()
 *   }
 *   destroy(sid: string, cb?: (err?: unknown) => void) {
 *     this.sessions.delete(sid)
 *     cb?.()
 *   }
 * }
 * ```
 */
interface Store extends EventEmitter {
  /** Fetch a session's data by id: `null` or `undefined` when there is none. */
  get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void
  /**
   * Save a session's data under its id. The middleware hands over the
   * {@link Session} itself, whose enumerable properties are the data (the
   * application's fields only as far as this request set them); other
   * callers may pass plain data.
   */
  set(sid: string, session: SessionData | Session, callback?: SessionCallback): void
  /** Remove a session by id. */
  destroy(sid: string, callback?: SessionCallback): void
  /** Optional: refresh a session's expiry without rewriting its data; handed what `set` is. */
  touch?(sid: string, session: SessionData | Session, callback?: SessionCallback): void
  /** Optional: every live session, keyed by id (or as an array). */
  all?(callback: (err: unknown, sessions?: Record<string, SessionData> | SessionData[] | null) => void): void
  /** Optional: how many live sessions there are. */
  length?(callback: (err: unknown, length?: number) => void): void
  /** Optional: remove every session. */
  clear?(callback?: SessionCallback): void
  /**
   * Attach a brand-new session to `req`. Not written by store authors:
   * `session()` installs it on the store it is given.
   */
  generate(req: SessionRequest): void
  /** Destroy the request's session and generate a new one in its place. */
  regenerate(req: SessionRequest, fn: SessionCallback): void
  /** Fetch a session by id and build a {@link Session} from it, outside any request. */
  load(sid: string, fn: (err?: unknown, session?: Session) => void): void
  /** Turn stored data into `req.session`: a {@link Session} with a real {@link Cookie}. */
  createSession(req: SessionRequest, sess: SessionData): Session
}

/**
 * The `Store` constructor. A function constructor, not a `class`, so that
 * stores written the old way (`Store.call(this)` plus `util.inherits`) keep
 * working beside `class MyStore extends Store`.
 */
export interface StoreConstructor {
  /** Make a store: an EventEmitter with no sessions of its own. */
  new (): Store
  /** The helpers every store inherits. */
  prototype: Store
}
// #endregion types

// #region exports (session/store.js 20-25)
export { Store as default, Store, Store as 'module.exports' } // what require() of this file returns
// #endregion exports

// #region constructor (session/store.js 27-34)
/**
 * The base class of session stores, exported as `session.Store`.
 */
const Store = function Store(this: Store) {
  EventEmitter.call(this)
} as unknown as StoreConstructor
// #endregion constructor

// #region inherits (session/store.js 36-40)
util.inherits(Store, EventEmitter)
// #endregion inherits

// #region regenerate (session/store.js 42-56)
Store.prototype.regenerate = function (this: Store, req: SessionRequest, fn: SessionCallback) {
  const self = this
  this.destroy(req.sessionID as string, function (err) {
    self.generate(req)
    fn(err)
  })
}
// #endregion regenerate

// #region load (session/store.js 58-75)
Store.prototype.load = function (this: Store, sid: string, fn: (err?: unknown, session?: Session) => void) {
  const self = this
  this.get(sid, function (err, sess) {
    if (err) return fn(err)
    if (!sess) return fn()
    const req = { sessionID: sid, sessionStore: self } as SessionRequest
    fn(null, self.createSession(req, sess))
  })
}
// #endregion load

// #region create-session (session/store.js 77-102)
Store.prototype.createSession = function (this: Store, req: SessionRequest, sess: SessionData): Session {
  const expires = sess.cookie.expires
  const originalMaxAge = sess.cookie.originalMaxAge

  // the constructor copies every key, expires too, even while it is still the string from JSON
  sess.cookie = new Cookie(sess.cookie as CookieOptions)

  if (typeof expires === 'string') {
    // JSON turned the date into a string
    sess.cookie.expires = new Date(expires)
  }

  // setting expires above recomputed originalMaxAge from the time left; the stored value wins
  sess.cookie.originalMaxAge = originalMaxAge

  req.session = new Session(req, sess)
  return req.session
}
// #endregion create-session
