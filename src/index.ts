// #region imports (index.js 11-29)
/**
 * express-session 1.19.0, reimplemented in TypeScript: the `session()`
 * middleware, its options, and the classes behind `req.session`.
 *
 * @module
 */

import cookie from 'cookie'
import crypto from 'node:crypto'
import createDebug from 'debug'
import depd from 'depd'
import type { IncomingMessage, ServerResponse } from 'node:http'
import onHeaders from 'on-headers'
import parseUrl from 'parseurl'
import type { Url } from 'node:url'
import signature from 'cookie-signature'

import Cookie from './session/cookie.js'
import type { CookieOptions } from './session/cookie.js'
import MemoryStore from './session/memory.js'
import Session from './session/session.js'
import type { SessionCallback, SessionData, SessionedRequest, SessionRequest } from './session/session.js'
import Store from './session/store.js'

// Decided once, when this module loads: with the namespace off, each debug()
// below is a call to an empty function. A later debug.enable() is not seen.
const debug: (formatter: string, ...args: unknown[]) => void = createDebug.enabled('express-session')
  ? createDebug('express-session')
  : function () {}
const deprecate = depd('express-session')
// #endregion imports

// #region env (index.js 31-33)
const env = process.env.NODE_ENV
// #endregion env

// #region exports (index.js 35-48)
export default session
// the binding require() returns when a CommonJS caller loads this ES module
export { session as 'module.exports' }

/** The base class of session stores, as `session.Store`. */
session.Store = Store
/** The session cookie's constructor, as `session.Cookie`. */
session.Cookie = Cookie
/** The constructor of `req.session`, as `session.Session`. */
session.Session = Session
/** The in-memory store, as `session.MemoryStore`. */
session.MemoryStore = MemoryStore

export { Store, Cookie, Session, MemoryStore }
export type {
  CookieConstructor,
  CookieData,
  CookieOptions,
  CookiePriority,
  CookieSameSite,
  StoredCookie
} from './session/cookie.js'
export type { MemoryStoreConstructor } from './session/memory.js'
export type {
  SessionCallback,
  SessionConstructor,
  SessionData,
  SessionedRequest,
  SessionRequest,
  SessionRequestFields
} from './session/session.js'
export type { StoreConstructor } from './session/store.js'
// #endregion exports

// #region warning (index.js 50-57)
const warning =
  'Warning: connect.session() MemoryStore is not\n' +
  'designed for a production environment, as it will leak\n' +
  'memory, and will not scale past a single process.'
// #endregion warning

// #region defer (index.js 59-67)
// upstream kept a fallback for Node.js 0.8, which had no setImmediate
const defer = setImmediate
// #endregion defer

// #region types (ours only)
/**
 * A key `createHmac` accepts: a string, a Buffer or typed array, or a `KeyObject`.
 */
export type SecretKey = import('node:crypto').BinaryLike | import('node:crypto').KeyObject

/**
 * The options of `session()`. Leave none of `secret`, `resave` and
 * `saveUninitialized` out: the first is required, the other two warn when
 * missing because their defaults are poor.
 */
export interface SessionOptions {
  /** Options for the session cookie, or a function that returns them for a request. */
  cookie?: CookieOptions | ((req: IncomingMessage) => CookieOptions) | undefined
  /**
   * Makes the id of a new session; by default 24 random bytes as base64url.
   * Called as a plain function, without a `this`.
   */
  genid?(this: void, req: IncomingMessage): string
  /** The name of the session cookie; `'connect.sid'` by default. */
  name?: string | undefined
  /** The old name of {@link SessionOptions.name}, still read when `name` is absent. */
  key?: string | undefined
  /**
   * Trust the reverse proxy when deciding whether a request is secure:
   * `true` reads `X-Forwarded-Proto`, `false` looks only at the socket, and
   * leaving it out defers to Express's `trust proxy` setting via `req.secure`.
   */
  proxy?: boolean | undefined
  /** Save the session back to the store on every request, even when unchanged. */
  resave?: boolean | undefined
  /** Send the cookie (and so restart its expiry) on every response. */
  rolling?: boolean | undefined
  /** Save a new session even when the request put nothing in it. */
  saveUninitialized?: boolean | undefined
  /** The key that signs the session cookie; an array signs with the first and accepts any. */
  secret?: SecretKey | SecretKey[] | undefined
  /** Where sessions live; a new {@link MemoryStore} by default. */
  store?: Store | undefined
  /** What happens when `req.session` is deleted or set to `null`: `'keep'` (default) or `'destroy'`. */
  unset?: 'destroy' | 'keep' | undefined
}

/**
 * The middleware `session()` returns. It accepts plain `node:http`
 * requests as well as Express's.
 */
export type SessionMiddleware = (req: SessionRequest, res: ServerResponse, next: (err?: unknown) => void) => void

/**
 * What Express's `Request` gains once the middleware has run.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express declares Request in its global namespace
  namespace Express {
    /** Express's request, with the fields the session middleware adds. */
    interface Request {
      /** This request's session, with the application's {@link SessionData} fields. */
      session: Session & Partial<SessionData>
      /** The id of this request's session. */
      sessionID: string
      /** The store the session middleware uses. */
      sessionStore: Store
    }
  }
}

/**
 * The types under the function's own name, as code written for
 * `@types/express-session` spells them: `session.SessionOptions`,
 * `session.SessionData`, and `session.Store` or `session.Cookie` as a type
 * beside the constructor of the same name.
 */
// eslint-disable-next-line @typescript-eslint/no-namespace -- only a namespace merged with the function puts types under its name
declare namespace session {
  /** See {@link SessionOptions}. */
  export type SessionOptions = import('./index.js').SessionOptions
  /** See {@link SessionData}. */
  export type SessionData = import('./session/session.js').SessionData
  /** See {@link CookieOptions}. */
  export type CookieOptions = import('./session/cookie.js').CookieOptions
  /** A session cookie: see {@link Cookie}. */
  export type Cookie = import('./session/cookie.js').Cookie
  /** A session, as `req.session` holds it: see {@link Session}. */
  export type Session = import('./session/session.js').Session
  /** A session store: see {@link Store}. */
  export type Store = import('./session/store.js').Store
  /** The in-memory store: see {@link MemoryStore}. */
  export type MemoryStore = import('./session/memory.js').MemoryStore
}

// #endregion types

// #region session-setup (index.js 69-115)
/**
 * Create the session middleware.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import session from 'express-session-annotated'
 *
 * const app = express()
 * app.use(session({
 *   secret: process.env.SESSION_SECRET!,
 *   resave: false,
 *   saveUninitialized: false,
 *   cookie: { maxAge: 24 * 60 * 60 * 1000, sameSite: 'lax' }
 * }))
 * app.get('/', (req, res) => {
 *   req.session.views = (req.session.views ?? 0) + 1
 *   res.send(`views: ${req.session.views}`)
 * })
 * ```
 *
 * @param options - see {@link SessionOptions}
 * @returns the middleware, to pass to `app.use`
 * @throws TypeError when `genid` is not a function, `secret` is an empty array or `unset` is unknown
 */
function session(options?: SessionOptions): SessionMiddleware {
  const opts = options || {}

  // each option once, under the name the rest of the closure knows it by
  const cookieOptions = opts.cookie || {}
  const generateId = opts.genid || generateSessionId
  const name = opts.name || opts.key || 'connect.sid'
  const store = opts.store || new MemoryStore()
  const trustProxy = opts.proxy
  let resaveSession = opts.resave
  const rollingSessions = Boolean(opts.rolling)
  let saveUninitializedSession = opts.saveUninitialized
  let secret = opts.secret
  // #endregion session-setup

  // #region session-validation (index.js 117-155)
  if (typeof generateId !== 'function') {
    throw new TypeError('genid option must be a function')
  }

  if (resaveSession === undefined) {
    deprecate('undefined resave option; provide resave option')
    resaveSession = true
  }

  if (saveUninitializedSession === undefined) {
    deprecate('undefined saveUninitialized option; provide saveUninitialized option')
    saveUninitializedSession = true
  }

  if (opts.unset && opts.unset !== 'destroy' && opts.unset !== 'keep') {
    throw new TypeError('unset option must be "destroy" or "keep"')
  }

  const unsetDestroy = opts.unset === 'destroy'

  if (Array.isArray(secret) && secret.length === 0) {
    throw new TypeError('secret option array must contain one or more strings')
  }

  if (secret && !Array.isArray(secret)) {
    secret = [secret]
  }

  if (!secret) {
    deprecate('req.secret; provide secret option')
  }

  if (env === 'production' && store instanceof MemoryStore) {
    console.warn(warning)
  }
  // #endregion session-validation

  // #region store-generate (index.js 157-172)
  store.generate = function (req) {
    req.sessionID = generateId(req)
    req.session = new Session(req)
    req.session.cookie = new Cookie(typeof cookieOptions === 'function' ? cookieOptions(req) : cookieOptions)

    const isSecure = issecure(req, trustProxy)

    // upstream reads 'auto' off the option as given: a cookie(req) function
    // carries no such property, so 'auto' only works in a cookie object
    if ((cookieOptions as CookieOptions).secure === 'auto') {
      req.session.cookie.secure = isSecure
    }

    if ((cookieOptions as CookieOptions).sameSite === 'auto') {
      req.session.cookie.sameSite = isSecure ? 'none' : 'lax'
    }
  }
  // #endregion store-generate

  // #region store-touch-and-readiness (index.js 174-183)
  const storeImplementsTouch = typeof store.touch === 'function'

  // while the store reports its backend gone, requests go on without a session
  let storeReady = true
  store.on('disconnect', function ondisconnect() {
    storeReady = false
  })
  store.on('connect', function onconnect() {
    storeReady = true
  })
  // #endregion store-touch-and-readiness

  // #region middleware-entry (index.js 185-228)
  // typed as the request will be once a session is attached, which it is whenever the
  // functions below run; the checks that find it otherwise stay, as upstream has them
  return function session(req: SessionedRequest, res: ServerResponse, next: (err?: unknown) => void) {
    // a session middleware mounted earlier has already done the work
    if (req.session) {
      next()
      return
    }

    if (!storeReady) {
      debug('store is disconnected')
      next()
      return
    }

    // the browser sends the cookie only under its path; elsewhere every session would be new
    const originalPath = (parseUrl.original(req) as Url).pathname || '/'
    const resolvedCookieOptions = typeof cookieOptions === 'function' ? cookieOptions(req) : cookieOptions
    if (originalPath.indexOf(resolvedCookieOptions.path || '/') !== 0) {
      debug('pathname mismatch')
      next()
      return
    }

    if (!secret && !req.secret) {
      next(new Error('secret option required for sessions'))
      return
    }

    // without a secret of its own, the middleware borrows the one cookie-parser was given
    const secrets = (secret || [req.secret]) as SecretKey[]

    // what the end of the response compares with: the session as the route got it, and as last saved
    let originalHash: string | undefined
    let originalId: string | undefined
    let savedHash: string | undefined
    let touched = false

    // the session's own methods find the store here
    req.sessionStore = store

    // kept apart from req.sessionID, which regenerate() changes: is this still the browser's session?
    // (written as a SessionRequest's: until a session is attached below, the id may be missing)
    const cookieId = ((req as SessionRequest).sessionID = getcookie(req, name, secrets))
    // #endregion middleware-entry

    // #region on-headers (index.js 230-259)
    // the last moment a header can be added
    onHeaders(res, function () {
      if (!req.session) {
        debug('no session')
        return
      }

      if (!shouldSetCookie(req)) {
        return
      }

      // a browser would drop a Secure cookie that arrived over plain HTTP
      if (req.session.cookie.secure && !issecure(req, trustProxy)) {
        debug('not secured')
        return
      }

      if (!touched) {
        req.session.touch()
        touched = true
      }

      try {
        setcookie(res, name, req.sessionID, secrets[0], req.session.cookie.data)
      } catch (err) {
        defer(next, err)
      }
    })
    // #endregion on-headers

    // #region response-internals (ours only)
    /** `res.end` and `res.write` as the proxy calls them, without their callback overloads. */
    type EndFunction = (this: ServerResponse, chunk?: unknown, encoding?: BufferEncoding) => unknown
    type WriteFunction = (this: ServerResponse, chunk: unknown, encoding?: BufferEncoding) => boolean

    /** A response with the two Node.js internals the `res.end` proxy relies on. */
    interface ResponseInternals extends ServerResponse {
      _header?: string | null
      _implicitHeader(): void
    }
    // #endregion response-internals

    // #region end-proxy (index.js 261-375)
    // the route's res.end comes through here, so that the store is written before the response completes
    // eslint-disable-next-line @typescript-eslint/unbound-method -- kept unbound, called with .call(res)
    const _end = res.end as EndFunction
    // eslint-disable-next-line @typescript-eslint/unbound-method -- likewise
    const _write = res.write as WriteFunction
    let ended = false
    res.end = function end(chunk?: string | Buffer, encoding?: BufferEncoding) {
      if (ended) {
        return false
      }

      ended = true

      let ret: unknown
      let sync = true

      function writeend() {
        if (sync) {
          ret = _end.call(res, chunk, encoding)
          sync = false
          return
        }

        _end.call(res)
      }

      function writetop() {
        if (!sync) {
          return ret
        }

        if (!(res as ResponseInternals)._header) {
          ;(res as ResponseInternals)._implicitHeader()
        }

        if (chunk == null) {
          ret = true
          return ret
        }

        const contentLength = Number(res.getHeader('Content-Length'))

        if (!isNaN(contentLength) && contentLength > 0) {
          // hold back the last byte, so that a client counting bytes waits for the store
          chunk = !Buffer.isBuffer(chunk) ? Buffer.from(chunk, encoding) : chunk
          encoding = undefined

          if (chunk.length !== 0) {
            debug('split response')
            ret = _write.call(res, chunk.slice(0, chunk.length - 1))
            chunk = chunk.slice(chunk.length - 1, chunk.length)
            return ret
          }
        }

        ret = _write.call(res, chunk, encoding)
        sync = false

        return ret
      }

      if (shouldDestroy(req)) {
        debug('destroying')
        store.destroy(req.sessionID, function ondestroy(err) {
          if (err) {
            defer(next, err)
          }

          debug('destroyed')
          writeend()
        })

        return writetop()
      }

      if (!req.session) {
        debug('no session')
        return _end.call(res, chunk, encoding)
      }

      if (!touched) {
        req.session.touch()
        touched = true
      }

      if (shouldSave(req)) {
        req.session.save(function onsave(err) {
          if (err) {
            defer(next, err)
          }

          writeend()
        })

        return writetop()
      } else if (storeImplementsTouch && shouldTouch(req)) {
        debug('touching')
        // storeImplementsTouch has checked that touch exists
        store.touch!(req.sessionID, req.session, function ontouch(err) {
          if (err) {
            defer(next, err)
          }

          debug('touched')
          writeend()
        })

        return writetop()
      }

      return _end.call(res, chunk, encoding)
    } as ServerResponse['end']
    // #endregion end-proxy

    // #region generate-inflate (index.js 377-396)
    function generate() {
      store.generate(req)
      originalId = req.sessionID
      originalHash = hash(req.session)
      wrapmethods(req.session)
    }

    function inflate(req: SessionedRequest, sess: SessionData) {
      store.createSession(req, sess)
      originalId = req.sessionID
      originalHash = hash(sess)

      if (!resaveSession) {
        savedHash = originalHash
      }

      wrapmethods(req.session)
    }
    // #endregion generate-inflate

    // #region wrapmethods (index.js 398-437)
    function rewrapmethods(sess: Session, callback: SessionCallback) {
      return function (this: unknown) {
        if (req.session !== sess) {
          wrapmethods(req.session)
        }

        // eslint-disable-next-line prefer-rest-params -- forwards whatever it was given, as upstream does
        callback.apply(this, arguments as unknown as Parameters<SessionCallback>)
      }
    }

    // a save made by the route records what the store now holds
    function wrapmethods(sess: Session) {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- kept unbound, called with .call(this)
      const _reload = sess.reload
      // eslint-disable-next-line @typescript-eslint/unbound-method -- likewise, with .apply(this)
      const _save = sess.save

      function reload(this: Session, callback: SessionCallback) {
        debug('reloading %s', this.id)
        _reload.call(this, rewrapmethods(this, callback))
      }

      function save(this: Session) {
        debug('saving %s', this.id)
        savedHash = hash(this)
        // eslint-disable-next-line prefer-rest-params -- forwards whatever it was given, as upstream does
        _save.apply(this, arguments as unknown as Parameters<Session['save']>)
      }

      Object.defineProperty(sess, 'reload', {
        configurable: true,
        enumerable: false,
        value: reload,
        writable: true
      })

      Object.defineProperty(sess, 'save', {
        configurable: true,
        enumerable: false,
        value: save,
        writable: true
      })
    }
    // #endregion wrapmethods

    // #region is-modified-saved (index.js 439-447)
    function isModified(sess: Session) {
      return originalId !== sess.id || originalHash !== hash(sess)
    }

    function isSaved(sess: Session) {
      return originalId === sess.id && savedHash === hash(sess)
    }
    // #endregion is-modified-saved

    // #region should-destroy (index.js 449-452)
    function shouldDestroy(req: SessionRequest) {
      return req.sessionID && unsetDestroy && req.session == null
    }
    // #endregion should-destroy

    // #region should-save (index.js 454-465)
    function shouldSave(req: SessionedRequest) {
      if (typeof req.sessionID !== 'string') {
        debug('session ignored because of bogus req.sessionID %o', req.sessionID)
        return false
      }

      return !saveUninitializedSession && !savedHash && cookieId !== req.sessionID
        ? isModified(req.session)
        : !isSaved(req.session)
    }
    // #endregion should-save

    // #region should-touch (index.js 467-476)
    // saving writes the new expiry anyway, so touch only what will not be saved
    function shouldTouch(req: SessionedRequest) {
      if (typeof req.sessionID !== 'string') {
        debug('session ignored because of bogus req.sessionID %o', req.sessionID)
        return false
      }

      return cookieId === req.sessionID && !shouldSave(req)
    }
    // #endregion should-touch

    // #region should-set-cookie (index.js 478-488)
    function shouldSetCookie(req: SessionedRequest) {
      if (typeof req.sessionID !== 'string') {
        return false
      }

      return cookieId !== req.sessionID
        ? saveUninitializedSession || isModified(req.session)
        : rollingSessions || (req.session.cookie.expires != null && isModified(req.session))
    }
    // #endregion should-set-cookie

    // #region load-or-generate (index.js 490-524)
    if (!req.sessionID) {
      debug('no SID sent, generating session')
      generate()
      next()
      return
    }

    debug('fetching %s', req.sessionID)
    store.get(req.sessionID, function (err, sess) {
      // stores kept in files say ENOENT for a session they do not have: not an error
      if (err && (err as NodeJS.ErrnoException).code !== 'ENOENT') {
        debug('error %j', err)
        next(err)
        return
      }

      try {
        if (err || !sess) {
          debug('no session found')
          generate()
        } else {
          debug('session found')
          inflate(req, sess)
        }
      } catch (e) {
        next(e)
        return
      }

      next()
    })
  } as SessionMiddleware // to its callers it takes any SessionRequest, with a session or not
}
// #endregion load-or-generate

// #region generate-session-id (index.js 526-535)
/** Make the id of a new session: 24 random bytes, written as 32 base64url characters. */
function generateSessionId(): string {
  return crypto.randomBytes(24).toString('base64url')
}
// #endregion generate-session-id

// #region getcookie (index.js 537-601)
/** Read the session id from the request's cookies, or `undefined` when none is validly signed. */
function getcookie(req: SessionRequest, name: string, secrets: SecretKey[]): string | undefined {
  const header = req.headers.cookie
  let raw: unknown
  let val: string | false | undefined

  if (header) {
    const cookies = cookie.parse(header)

    raw = cookies[name]

    if (raw) {
      if ((raw as string).substr(0, 2) === 's:') {
        val = unsigncookie((raw as string).slice(2), secrets)

        if (val === false) {
          debug('cookie signature invalid')
          val = undefined
        }
      } else {
        debug('cookie unsigned')
      }
    }
  }

  // apps that ran cookie-parser first: look where it left the cookie, already unsigned
  if (!val && req.signedCookies) {
    val = req.signedCookies[name] as string | undefined

    if (val) {
      deprecate('cookie should be available in req.headers.cookie')
    }
  }

  // and where it left the cookie still signed
  if (!val && req.cookies) {
    raw = req.cookies[name]

    if (raw) {
      if ((raw as string).substr(0, 2) === 's:') {
        val = unsigncookie((raw as string).slice(2), secrets)

        if (val) {
          deprecate('cookie should be available in req.headers.cookie')
        }

        if (val === false) {
          debug('cookie signature invalid')
          val = undefined
        }
      } else {
        debug('cookie unsigned')
      }
    }
  }

  return val as string | undefined
}
// #endregion getcookie

// #region hash (index.js 603-627)
/** Fingerprint a session's data, leaving out its cookie, to tell whether a request changed it. */
function hash(sess: object): string {
  let str: string

  // an object with a toJSON, its own or inherited, must be serialised through it: the replacer it is
  if (typeof (sess as { toJSON?: unknown }).toJSON === 'function') {
    str = JSON.stringify(sess, function (this: unknown, key: string, val: unknown) {
      return this === sess && key === 'cookie' ? undefined : val
    })
  } else {
    // any replacer keeps V8 off its fast serialiser; a copy without the cookie gives the same text
    const copy: Record<string, unknown> = {}
    for (const key of Object.keys(sess)) {
      if (key === 'cookie') continue
      const value = (sess as Record<string, unknown>)[key]
      // a stored "__proto__" key is data: define it, since assigning it would set the prototype
      if (key === '__proto__')
        Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
      else copy[key] = value
    }
    str = JSON.stringify(copy)
  }

  return crypto.hash('sha1', str, 'hex')
}
// #endregion hash

// #region issecure (index.js 629-662)
/** Decide whether the request reached us over HTTPS, trusting a proxy only as told. */
function issecure(req: SessionRequest, trustProxy: boolean | undefined): boolean {
  if (req.connection && (req.connection as { encrypted?: boolean }).encrypted) {
    return true
  }

  if (trustProxy === false) {
    return false
  }

  // Express's req.secure honours its own trust proxy setting
  if (trustProxy !== true) {
    return req.secure === true
  }

  // each proxy on the way appends its hop: the first is the client's
  const header = (req.headers['x-forwarded-proto'] as string | undefined) || ''
  const index = header.indexOf(',')
  const proto = index !== -1 ? header.substr(0, index).toLowerCase().trim() : header.toLowerCase().trim()

  return proto === 'https'
}
// #endregion issecure

// #region setcookie (index.js 664-680)
/** Sign the session id and append its Set-Cookie header to any already on the response. */
function setcookie(res: ServerResponse, name: string, val: string, secret: SecretKey, options: object): void {
  const signed = 's:' + signature.sign(val, secret)
  const data = cookie.serialize(name, signed, options)

  debug('set-cookie %s', data)

  const prev = res.getHeader('Set-Cookie') || []
  const header = Array.isArray(prev) ? prev.concat(data) : [prev, data]

  res.setHeader('Set-Cookie', header as string[])
}
// #endregion setcookie

// #region unsigncookie (index.js 682-700)
/** Check a signed value against each secret in turn; the id when one matches, else `false`. */
function unsigncookie(val: string, secrets: SecretKey[]): string | false {
  for (let i = 0; i < secrets.length; i++) {
    const result = signature.unsign(val, secrets[i])

    if (result !== false) {
      return result
    }
  }

  return false
}
// #endregion unsigncookie
