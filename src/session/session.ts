// #region imports (ours only)
/**
 * `req.session`: the object a request carries, holding the session's data
 * as its own enumerable properties and its methods on the prototype.
 * Mirrors express-session's `session/session.js`.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http'
import type { Cookie, StoredCookie } from './cookie.js'
import type { Store } from './store.js'
// #endregion imports

// #region types (ours only)
/**
 * What a session holds, as a store keeps it: its cookie, as plain data, and
 * whatever the application stores. Only `cookie` is known here; an
 * application adds its own fields by declaration merging, under the name it
 * imports the package by:
 *
 * @example
 * ```ts
 * declare module 'express-session-annotated' {
 *   interface SessionData { views: number; user: string }
 * }
 * ```
 */
export interface SessionData {
  /**
   * The session's cookie as data: the live {@link Cookie} when a store is
   * handed a session, its JSON (with `expires` as a string) when a store
   * gives one back. On `req.session` it is always a {@link Cookie}.
   */
  cookie: StoredCookie
}

/** A callback that receives an error, or nothing when all went well. */
export type SessionCallback = (err?: unknown) => void

/**
 * The request as the session sees it: Node's `IncomingMessage` plus what
 * this middleware, Express and cookie-parser put on it. Plain `node:http`
 * requests qualify, as do Express's.
 */
export type SessionRequest = IncomingMessage & SessionRequestFields

/** What this middleware, Express and cookie-parser may add to a request; all of it optional. */
export interface SessionRequestFields {
  /** The session of this request, once the middleware has loaded or made one. */
  session?: Session | null
  /** The session's id: read from the cookie, then the id of the session attached. */
  sessionID?: string
  /** The store the middleware uses, exposed for the session's methods. */
  sessionStore?: Store
  /** The secret cookie-parser was given, used when `session()` has none. */
  secret?: string
  /** Signed cookies, as cookie-parser leaves them. */
  signedCookies?: Record<string, unknown>
  /** All cookies, as cookie-parser leaves them. */
  cookies?: Record<string, unknown>
  /** Express's verdict on whether the request came over HTTPS. */
  secure?: boolean
  /** The URL before any router stripped a mount path (set by Express). */
  originalUrl?: string
}

/**
 * A request once the middleware has given it a session: what a route finds
 * after `session()` called `next()` with a session attached (not when the
 * store was disconnected or the path did not match, the two cases where the
 * middleware passes the request on without one). Express's `Request` gets
 * the same three fields; this type is for plain `node:http` handlers and for
 * the middleware's own functions.
 */
export type SessionedRequest = SessionRequest & {
  /** This request's session, with the application's {@link SessionData} fields as they stand. */
  session: Session & Partial<SessionData>
  /** The id of the session attached. */
  sessionID: string
  /** The store the middleware uses. */
  sessionStore: Store
}

// #endregion types

// #region session-interface (ours only)
/**
 * A session as a request carries it. Its enumerable properties are exactly
 * the session's data (and `cookie`); `id`, `req` and the methods are
 * non-enumerable, so they are never saved.
 */
interface Session {
  /** The session id, fixed when the object was made (non-enumerable). */
  readonly id: string
  /** The request this session belongs to (non-enumerable). */
  readonly req: SessionRequest
  /** The session cookie. */
  cookie: Cookie
  /** Restart the cookie's expiry clock; the middleware does this on every response. */
  touch(): this
  /** Set `cookie.maxAge` back to `cookie.originalMaxAge`. */
  resetMaxAge(): this
  /** Write the session to the store now, rather than when the response ends. */
  save(callback?: SessionCallback): this
  /** Replace `req.session` with a fresh copy from the store; an error if the store no longer has it. */
  reload(callback: SessionCallback): this
  /** Remove the session from the request and from the store. */
  destroy(callback?: SessionCallback): this
  /**
   * Destroy this session and attach a new one with a new id, keeping
   * nothing: the defence against session fixation after a login.
   *
   * @example
   * ```ts
   * app.post('/login', (req, res, next) => {
   *   req.session.regenerate((err) => {
   *     if (err) return next(err)
   *     req.session.user = 'rasmus'
   *     res.redirect('/')
   *   })
   * })
   * ```
   */
  regenerate(callback: SessionCallback): this
}

/** The `Session` constructor: a function constructor, like upstream's. */
export interface SessionConstructor {
  /** Make a session for `req` (its id is `req.sessionID`), copying `data`'s properties onto it. */
  new (req: SessionRequest, data?: object): Session
  /** The shared methods of every session. */
  prototype: Session
}
// #endregion session-interface

// #region exports (session/session.js 10-14)
export { Session as default, Session, Session as 'module.exports' } // what require() of this file returns
// #endregion exports

// #region constructor (session/session.js 16-36)
/**
 * The constructor of `req.session`, exported as `session.Session`.
 */
const Session = function Session(this: Session, req: SessionRequest, data?: object) {
  Object.defineProperty(this, 'req', { value: req })
  Object.defineProperty(this, 'id', { value: req.sessionID })

  if (typeof data === 'object' && data !== null) {
    // stored data must not shadow id, req or a method, whatever its keys
    for (const prop in data) {
      if (!(prop in this)) {
        ;(this as unknown as Record<string, unknown>)[prop] = (data as Record<string, unknown>)[prop]
      }
    }
  }
} as unknown as SessionConstructor
// #endregion constructor

// #region touch (session/session.js 38-49)
defineMethod(Session.prototype, 'touch', function touch(this: Session) {
  return this.resetMaxAge()
})
// #endregion touch

// #region reset-max-age (session/session.js 51-61)
defineMethod(Session.prototype, 'resetMaxAge', function resetMaxAge(this: Session) {
  this.cookie.maxAge = this.cookie.originalMaxAge
  return this
})
// #endregion reset-max-age

// #region save (session/session.js 63-74)
defineMethod(Session.prototype, 'save', function save(this: Session, fn?: SessionCallback) {
  // what a store keeps of a session is its enumerable properties: its data
  ;(this.req.sessionStore as Store).set(this.id, this, fn || function () {})
  return this
})
// #endregion save

// #region reload (session/session.js 76-99)
defineMethod(Session.prototype, 'reload', function reload(this: Session, fn: SessionCallback) {
  const req = this.req
  const store = this.req.sessionStore as Store

  store.get(this.id, function (err, sess) {
    if (err) return fn(err)
    if (!sess) return fn(new Error('failed to load session'))
    store.createSession(req, sess)
    fn()
  })
  return this
})
// #endregion reload

// #region destroy (session/session.js 101-113)
defineMethod(Session.prototype, 'destroy', function destroy(this: Session, fn?: SessionCallback) {
  delete this.req.session
  ;(this.req.sessionStore as Store).destroy(this.id, fn)
  return this
})
// #endregion destroy

// #region regenerate (session/session.js 115-126)
defineMethod(Session.prototype, 'regenerate', function regenerate(this: Session, fn: SessionCallback) {
  ;(this.req.sessionStore as Store).regenerate(this.req, fn)
  return this
})
// #endregion regenerate

// #region define-method (session/session.js 128-143)
/** Put a method on a prototype the way built-in methods sit: non-enumerable. */
function defineMethod<K extends keyof Session>(obj: Session, name: K, fn: Session[K]): void {
  Object.defineProperty(obj, name, {
    configurable: true,
    enumerable: false,
    value: fn,
    writable: true
  })
}
// #endregion define-method
