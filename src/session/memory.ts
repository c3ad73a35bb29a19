// #region imports (session/memory.js 11-17)
/**
 * `MemoryStore`: the store `session()` uses when given none. Sessions live
 * as JSON strings in one object inside this process. Mirrors
 * express-session's `session/memory.js`.
 *
 * @module
 */

import util from 'node:util'
import Store from './store.js'
import type { Session, SessionCallback, SessionData } from './session.js'
// #endregion imports

// #region defer (session/memory.js 19-27)
// upstream kept a fallback for Node.js 0.8, which had no setImmediate
const defer = setImmediate
// #endregion defer

// #region types (ours only)
/**
 * A store that keeps every session in this process's memory. Fine for
 * development and tests; in production it grows without bound (expired
 * sessions are only dropped when read) and no second process can see it.
 */
interface MemoryStore extends Store {
  /** The sessions, as JSON strings keyed by session id. */
  sessions: Record<string, string>
  /** Every live session, keyed by id; expired ones are dropped on the way. */
  all(callback: (err: unknown, sessions?: Record<string, SessionData> | null) => void): void
  /** Remove every session. */
  clear(callback?: SessionCallback): void
  /** Remove one session. */
  destroy(sessionId: string, callback?: SessionCallback): void
  /** A fresh copy of one session's data, or `undefined` when missing or expired. */
  get(sessionId: string, callback: (err: unknown, session?: SessionData | null) => void): void
  /** Store a session, serialised to JSON so later changes to the object do not leak in. */
  set(sessionId: string, session: SessionData | Session, callback?: SessionCallback): void
  /** How many live sessions there are. */
  length(callback: (err: unknown, length?: number) => void): void
  /** Replace a stored session's cookie (its expiry), keeping its data. */
  touch(sessionId: string, session: SessionData | Session, callback?: SessionCallback): void
}

/** The `MemoryStore` constructor: a function constructor, like upstream's. */
export interface MemoryStoreConstructor {
  /** Make an empty in-memory store. */
  new (): MemoryStore
  /** The methods every in-memory store shares. */
  prototype: MemoryStore
}
// #endregion types

// #region exports (session/memory.js 29-33)
export { MemoryStore as default, MemoryStore, MemoryStore as 'module.exports' } // what require() of this file returns
// #endregion exports

// #region constructor (session/memory.js 35-43)
/**
 * The in-memory store, exported as `session.MemoryStore`.
 */
const MemoryStore = function MemoryStore(this: MemoryStore) {
  Store.call(this)
  this.sessions = Object.create(null) as Record<string, string>
} as unknown as MemoryStoreConstructor
// #endregion constructor

// #region inherits (session/memory.js 45-49)
util.inherits(MemoryStore, Store)
// #endregion inherits

// #region all (session/memory.js 51-72)
MemoryStore.prototype.all = function all(this: MemoryStore, callback) {
  const sessionIds = Object.keys(this.sessions)
  const sessions = Object.create(null) as Record<string, SessionData>

  for (let i = 0; i < sessionIds.length; i++) {
    const sessionId = sessionIds[i]
    const session = getSession.call(this, sessionId)

    if (session) {
      sessions[sessionId] = session
    }
  }

  callback && defer(callback, null, sessions)
}
// #endregion all

// #region clear (session/memory.js 74-84)
MemoryStore.prototype.clear = function clear(this: MemoryStore, callback) {
  this.sessions = Object.create(null) as Record<string, string>
  callback && defer(callback)
}
// #endregion clear

// #region destroy (session/memory.js 86-96)
MemoryStore.prototype.destroy = function destroy(this: MemoryStore, sessionId, callback) {
  delete this.sessions[sessionId]
  callback && defer(callback)
}
// #endregion destroy

// #region get (session/memory.js 98-108)
MemoryStore.prototype.get = function get(this: MemoryStore, sessionId, callback) {
  defer(callback, null, getSession.call(this, sessionId))
}
// #endregion get

// #region set (session/memory.js 110-122)
MemoryStore.prototype.set = function set(this: MemoryStore, sessionId, session, callback) {
  this.sessions[sessionId] = JSON.stringify(session)
  callback && defer(callback)
}
// #endregion set

// #region length (session/memory.js 124-136)
MemoryStore.prototype.length = function length(this: MemoryStore, callback) {
  this.all(function (err, sessions) {
    if (err) return callback(err)
    callback(null, Object.keys(sessions as Record<string, SessionData>).length)
  })
}
// #endregion length

// #region touch (session/memory.js 138-157)
MemoryStore.prototype.touch = function touch(this: MemoryStore, sessionId, session, callback) {
  const currentSession = getSession.call(this, sessionId)

  if (currentSession) {
    // only the cookie changes: it carries the new expiry
    currentSession.cookie = session.cookie
    this.sessions[sessionId] = JSON.stringify(currentSession)
  }

  callback && defer(callback)
}
// #endregion touch

// #region get-session (session/memory.js 159-187)
/** Parse one stored session, dropping it instead when its cookie has expired. */
function getSession(this: MemoryStore, sessionId: string): SessionData | undefined {
  const json = this.sessions[sessionId]

  if (!json) {
    return
  }

  const sess = JSON.parse(json) as SessionData

  if (sess.cookie) {
    const stored = sess.cookie.expires
    const expires = typeof stored === 'string' ? new Date(stored) : stored

    // nothing sweeps this store: an expired session goes when it is next read
    if (expires && expires.valueOf() <= Date.now()) {
      delete this.sessions[sessionId]
      return
    }
  }

  return sess
}
// #endregion get-session
