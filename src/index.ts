// #region imports
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
import type { SessionCallback, SessionData, SessionRequest } from './session/session.js'
import Store from './session/store.js'

// like upstream's debug 2, decide once whether the namespace is on, so that
// a disabled debug() costs a call to an empty function and nothing more
const debug: (formatter: string, ...args: unknown[]) => void = createDebug.enabled('express-session')
  ? createDebug('express-session')
  : function () {}
const deprecate = depd('express-session')
// #endregion imports

// #region env
const env = process.env.NODE_ENV
// #endregion env

// #region exports
export default session
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
export type { CookieData, CookieConstructor, CookieOptions } from './session/cookie.js'
export type { MemoryStoreConstructor } from './session/memory.js'
export type {
  SessionCallback,
  SessionConstructor,
  SessionData,
  SessionRequest,
  SessionRequestFields
} from './session/session.js'
export type { StoreConstructor } from './session/store.js'
// #endregion exports

// #region warning
const warning =
  'Warning: connect.session() MemoryStore is not\n' +
  'designed for a production environment, as it will leak\n' +
  'memory, and will not scale past a single process.'
// #endregion warning

// #region defer
// upstream kept a fallback for Node.js 0.8, which had no setImmediate
const defer = setImmediate
// #endregion defer

// #region types
/**
 * A key `createHmac` accepts: a string, a Buffer or typed array, or a `KeyObject`.
 */
export type SecretKey = crypto.BinaryLike | crypto.KeyObject

/**
 * The options of `session()`. Leave none of `secret`, `resave` and
 * `saveUninitialized` out: the first is required, the other two warn when
 * missing because their defaults are poor.
 */
export interface SessionOptions {
  /** Options for the session cookie, or a function that returns them for a request. */
  cookie?: CookieOptions | ((req: IncomingMessage) => CookieOptions)
  /** Makes the id of a new session; by default 24 random bytes as base64url. */
  genid?: (req: IncomingMessage) => string
  /** The name of the session cookie; `'connect.sid'` by default. */
  name?: string
  /** The old name of {@link SessionOptions.name}, still read when `name` is absent. */
  key?: string
  /**
   * Trust the reverse proxy when deciding whether a request is secure:
   * `true` reads `X-Forwarded-Proto`, `false` looks only at the socket, and
   * leaving it out defers to Express's `trust proxy` setting via `req.secure`.
   */
  proxy?: boolean
  /** Save the session back to the store on every request, even when unchanged. */
  resave?: boolean
  /** Send the cookie (and so restart its expiry) on every response. */
  rolling?: boolean
  /** Save a new session even when the request put nothing in it. */
  saveUninitialized?: boolean
  /** The key that signs the session cookie; an array signs with the first and accepts any. */
  secret?: SecretKey | SecretKey[]
  /** Where sessions live; a new {@link MemoryStore} by default. */
  store?: Store
  /** What happens when `req.session` is deleted or set to `null`: `'keep'` (default) or `'destroy'`. */
  unset?: 'destroy' | 'keep'
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
  // eslint-disable-next-line @typescript-eslint/no-namespace
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

// #endregion types

// #region session-setup
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

  // get the cookie options
  const cookieOptions = opts.cookie || {}

  // get the session id generate function
  const generateId = opts.genid || generateSessionId

  // get the session cookie name
  const name = opts.name || opts.key || 'connect.sid'

  // get the session store
  const store = opts.store || new MemoryStore()

  // get the trust proxy setting
  const trustProxy = opts.proxy

  // get the resave session option
  let resaveSession = opts.resave

  // get the rolling session option
  const rollingSessions = Boolean(opts.rolling)

  // get the save uninitialized session option
  let saveUninitializedSession = opts.saveUninitialized

  // get the cookie signing secret
  let secret = opts.secret
  // #endregion session-setup

  // #region session-validation
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

  // TODO: switch to "destroy" on next major
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

  // notify user that this store is not
  // meant for a production environment
  if (env === 'production' && store instanceof MemoryStore) {
    console.warn(warning)
  }
  // #endregion session-validation

  // #region store-generate
  // generates the new session
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

  // #region store-readiness
  const storeImplementsTouch = typeof store.touch === 'function'

  // register event listeners for the store to track readiness
  let storeReady = true
  store.on('disconnect', function ondisconnect() {
    storeReady = false
  })
  store.on('connect', function onconnect() {
    storeReady = true
  })
  // #endregion store-readiness

  // #region middleware-entry
  return function session(req, res, next) {
    // self-awareness
    if (req.session) {
      next()
      return
    }

    // Handle connection as if there is no session if
    // the store has temporarily disconnected etc
    if (!storeReady) {
      debug('store is disconnected')
      next()
      return
    }

    // pathname mismatch
    const originalPath = (parseUrl.original(req) as Url).pathname || '/'
    const resolvedCookieOptions = typeof cookieOptions === 'function' ? cookieOptions(req) : cookieOptions
    if (originalPath.indexOf(resolvedCookieOptions.path || '/') !== 0) {
      debug('pathname mismatch')
      next()
      return
    }

    // ensure a secret is available or bail
    if (!secret && !req.secret) {
      next(new Error('secret option required for sessions'))
      return
    }

    // backwards compatibility for signed cookies
    // req.secret is passed from the cookie parser middleware
    const secrets = (secret || [req.secret]) as SecretKey[]

    let originalHash: string | undefined
    let originalId: string | undefined
    let savedHash: string | undefined
    let touched = false

    // expose store
    req.sessionStore = store

    // get the session ID from the cookie
    const cookieId = (req.sessionID = getcookie(req, name, secrets))
    // #endregion middleware-entry

    // #region on-headers
    // set-cookie
    onHeaders(res, function () {
      if (!req.session) {
        debug('no session')
        return
      }

      if (!shouldSetCookie(req)) {
        return
      }

      // only send secure cookies via https
      if (req.session.cookie.secure && !issecure(req, trustProxy)) {
        debug('not secured')
        return
      }

      if (!touched) {
        // touch session
        req.session.touch()
        touched = true
      }

      // set cookie
      try {
        setcookie(res, name, req.sessionID as string, secrets[0], req.session.cookie.data)
      } catch (err) {
        defer(next, err)
      }
    })
    // #endregion on-headers

    // #region response-internals
    /** `res.end` and `res.write` as the proxy calls them, without their callback overloads. */
    type EndFunction = (this: ServerResponse, chunk?: unknown, encoding?: BufferEncoding) => unknown
    type WriteFunction = (this: ServerResponse, chunk: unknown, encoding?: BufferEncoding) => boolean

    /** A response with the two Node.js internals the `res.end` proxy relies on. */
    interface ResponseInternals extends ServerResponse {
      _header?: string | null
      _implicitHeader(): void
    }
    // #endregion response-internals

    // #region end-proxy
    // proxy end() to commit the session
    const _end = res.end as EndFunction
    const _write = res.write as WriteFunction
    let ended = false
    res.end = function end(chunk?: unknown, encoding?: BufferEncoding) {
      if (ended) {
        return false
      }

      ended = true

      let ret: unknown
      let sync = true
      // #endregion end-proxy

      // #region writeend
      function writeend() {
        if (sync) {
          ret = _end.call(res, chunk, encoding)
          sync = false
          return
        }

        _end.call(res)
      }
      // #endregion writeend

      // #region writetop
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
          // measure chunk
          chunk = !Buffer.isBuffer(chunk) ? Buffer.from(chunk as string, encoding) : chunk
          encoding = undefined

          const bytes = chunk as Buffer
          if (bytes.length !== 0) {
            debug('split response')
            ret = _write.call(res, bytes.slice(0, bytes.length - 1))
            chunk = bytes.slice(bytes.length - 1, bytes.length)
            return ret
          }
        }

        ret = _write.call(res, chunk, encoding)
        sync = false

        return ret
      }
      // #endregion writetop

      // #region end-destroy
      if (shouldDestroy(req)) {
        // destroy session
        debug('destroying')
        store.destroy(req.sessionID as string, function ondestroy(err) {
          if (err) {
            defer(next, err)
          }

          debug('destroyed')
          writeend()
        })

        return writetop()
      }

      // no session to save
      if (!req.session) {
        debug('no session')
        return _end.call(res, chunk, encoding)
      }

      if (!touched) {
        // touch session
        req.session.touch()
        touched = true
      }
      // #endregion end-destroy

      // #region end-save-touch
      if (shouldSave(req)) {
        req.session.save(function onsave(err) {
          if (err) {
            defer(next, err)
          }

          writeend()
        })

        return writetop()
      } else if (storeImplementsTouch && shouldTouch(req)) {
        // store implements touch method
        debug('touching')
        // storeImplementsTouch has checked that touch exists
        store.touch!(req.sessionID as string, req.session as unknown as SessionData, function ontouch(err) {
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
    // #endregion end-save-touch

    // #region generate-inflate
    // generate the session
    function generate() {
      store.generate(req)
      originalId = req.sessionID
      originalHash = hash(req.session as Session)
      wrapmethods(req.session as Session)
    }

    // inflate the session
    function inflate(req: SessionRequest, sess: SessionData) {
      store.createSession(req, sess)
      originalId = req.sessionID
      originalHash = hash(sess)

      if (!resaveSession) {
        savedHash = originalHash
      }

      wrapmethods(req.session as Session)
    }
    // #endregion generate-inflate

    // #region wrapmethods
    function rewrapmethods(sess: Session, callback: SessionCallback) {
      return function (this: unknown) {
        if (req.session !== sess) {
          wrapmethods(req.session as Session)
        }

        callback.apply(this, arguments as unknown as Parameters<SessionCallback>)
      }
    }

    // wrap session methods
    function wrapmethods(sess: Session) {
      const _reload = sess.reload
      const _save = sess.save

      function reload(this: Session, callback: SessionCallback) {
        debug('reloading %s', this.id)
        _reload.call(this, rewrapmethods(this, callback))
      }

      function save(this: Session) {
        debug('saving %s', this.id)
        savedHash = hash(this)
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

    // #region is-modified-saved
    // check if session has been modified
    function isModified(sess: Session) {
      return originalId !== sess.id || originalHash !== hash(sess)
    }

    // check if session has been saved
    function isSaved(sess: Session) {
      return originalId === sess.id && savedHash === hash(sess)
    }
    // #endregion is-modified-saved

    // #region should-destroy
    // determine if session should be destroyed
    function shouldDestroy(req: SessionRequest) {
      return req.sessionID && unsetDestroy && req.session == null
    }
    // #endregion should-destroy

    // #region should-save
    // determine if session should be saved to store
    function shouldSave(req: SessionRequest) {
      // cannot set cookie without a session ID
      if (typeof req.sessionID !== 'string') {
        debug('session ignored because of bogus req.sessionID %o', req.sessionID)
        return false
      }

      return !saveUninitializedSession && !savedHash && cookieId !== req.sessionID
        ? isModified(req.session as Session)
        : !isSaved(req.session as Session)
    }
    // #endregion should-save

    // #region should-touch
    // determine if session should be touched
    function shouldTouch(req: SessionRequest) {
      // cannot set cookie without a session ID
      if (typeof req.sessionID !== 'string') {
        debug('session ignored because of bogus req.sessionID %o', req.sessionID)
        return false
      }

      return cookieId === req.sessionID && !shouldSave(req)
    }
    // #endregion should-touch

    // #region should-set-cookie
    // determine if cookie should be set on response
    function shouldSetCookie(req: SessionRequest) {
      // cannot set cookie without a session ID
      if (typeof req.sessionID !== 'string') {
        return false
      }

      return cookieId !== req.sessionID
        ? saveUninitializedSession || isModified(req.session as Session)
        : rollingSessions || ((req.session as Session).cookie.expires != null && isModified(req.session as Session))
    }
    // #endregion should-set-cookie

    // #region load-or-generate
    // generate a session if the browser doesn't send a sessionID
    if (!req.sessionID) {
      debug('no SID sent, generating session')
      generate()
      next()
      return
    }

    // generate the session object
    debug('fetching %s', req.sessionID)
    store.get(req.sessionID, function (err, sess) {
      // error handling
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
  }
}
// #endregion load-or-generate

// #region generate-session-id
/** Make the id of a new session: 24 random bytes, written as 32 base64url characters. */
function generateSessionId(): string {
  return crypto.randomBytes(24).toString('base64url')
}
// #endregion generate-session-id

// #region getcookie
/** Read the session id from the request's cookies, or `undefined` when none is validly signed. */
function getcookie(req: SessionRequest, name: string, secrets: SecretKey[]): string | undefined {
  const header = req.headers.cookie
  let raw: unknown
  let val: string | false | undefined

  // read from cookie header
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
  // #endregion getcookie

  // #region getcookie-compat
  // back-compat read from cookieParser() signedCookies data
  if (!val && req.signedCookies) {
    val = req.signedCookies[name] as string | undefined

    if (val) {
      deprecate('cookie should be available in req.headers.cookie')
    }
  }

  // back-compat read from cookieParser() cookies data
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
// #endregion getcookie-compat

// #region hash
/** Fingerprint a session's data, leaving out its cookie, to tell whether a request changed it. */
function hash(sess: object): string {
  let str: string

  if (typeof (sess as { toJSON?: unknown }).toJSON === 'function') {
    str = JSON.stringify(sess, function (this: unknown, key: string, val: unknown) {
      return this === sess && key === 'cookie' ? undefined : val
    })
  } else {
    const copy: Record<string, unknown> = {}
    for (const key of Object.keys(sess)) {
      if (key === 'cookie') continue
      const value = (sess as Record<string, unknown>)[key]
      if (key === '__proto__')
        Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
      else copy[key] = value
    }
    str = JSON.stringify(copy)
  }

  return crypto.hash('sha1', str, 'hex')
}
// #endregion hash

// #region issecure
/** Decide whether the request reached us over HTTPS, trusting a proxy only as told. */
function issecure(req: SessionRequest, trustProxy: boolean | undefined): boolean {
  // socket is https server
  if (req.connection && (req.connection as { encrypted?: boolean }).encrypted) {
    return true
  }

  // do not trust proxy
  if (trustProxy === false) {
    return false
  }

  // no explicit trust; try req.secure from express
  if (trustProxy !== true) {
    return req.secure === true
  }

  // read the proto from x-forwarded-proto header
  const header = (req.headers['x-forwarded-proto'] as string | undefined) || ''
  const index = header.indexOf(',')
  const proto = index !== -1 ? header.substr(0, index).toLowerCase().trim() : header.toLowerCase().trim()

  return proto === 'https'
}
// #endregion issecure

// #region setcookie
/** Sign the session id and append its Set-Cookie header to any already on the response. */
function setcookie(res: ServerResponse, name: string, val: string, secret: SecretKey, options: object): void {
  const signed = 's:' + signature.sign(val, secret as crypto.CipherKey)
  const data = cookie.serialize(name, signed, options)

  debug('set-cookie %s', data)

  const prev = res.getHeader('Set-Cookie') || []
  const header = Array.isArray(prev) ? prev.concat(data) : [prev, data]

  res.setHeader('Set-Cookie', header as string[])
}
// #endregion setcookie

// #region unsigncookie
/** Check a signed value against each secret in turn; the id when one matches, else `false`. */
function unsigncookie(val: string, secrets: SecretKey[]): string | false {
  for (let i = 0; i < secrets.length; i++) {
    const result = signature.unsign(val, secrets[i] as crypto.CipherKey)

    if (result !== false) {
      return result
    }
  }

  return false
}
// #endregion unsigncookie
