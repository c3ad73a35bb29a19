/**
 * An experiment of chapter 12, not the library: `src/index.ts` as it stood
 * before it went back to upstream's shape. Four changes, made to run faster
 * under tsx. Only the fourth can be seen from outside: the hash no longer
 * reads the session's cookie (chapter 12 says how):
 *
 * 1. the per-request helpers (`generate`, `inflate`, the method wrappers,
 *    `isModified`, `isSaved` and the four `should…` questions) are declared
 *    once, at module level, instead of inside the middleware on every request;
 * 2. what they share per request lives in one `RequestState` object, and
 *    `shouldTouch` trusts its caller to have asked `shouldSave` already;
 * 3. new ids take their bytes from a pool refilled 128 ids at a time;
 * 4. `hash` serialises a copy of the session without its cookie instead of
 *    using a replacer, and hashes with the one-shot `crypto.hash`.
 *
 * Measure it with `npm run bench -- --experiment hoisted`. Apart from this
 * comment, the imports (which reach into `src/session/`), the region markers,
 * the re-exported types and the `Express.Request` declarations (which
 * `src/index.ts` provides), four type assertions the linter found unneeded and
 * the comments that quiet it, the code is that file's, unchanged.
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

import Cookie from '../../../src/session/cookie.js'
import type { CookieOptions } from '../../../src/session/cookie.js'
import MemoryStore from '../../../src/session/memory.js'
import Session from '../../../src/session/session.js'
import type { SessionData, SessionRequest } from '../../../src/session/session.js'
import Store from '../../../src/session/store.js'

// like upstream's debug 2, decide once whether the namespace is on, so that
// a disabled debug() costs a call to an empty function and nothing more
const logger = createDebug('express-session')
const debug: (formatter: string, ...args: unknown[]) => void = logger.enabled ? logger : function () {}
const deprecate = depd('express-session')

const env = process.env.NODE_ENV

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

const warning =
  'Warning: connect.session() MemoryStore is not\n' +
  'designed for a production environment, as it will leak\n' +
  'memory, and will not scale past a single process.'

// upstream kept a fallback for Node.js 0.8, which had no setImmediate
const defer = setImmediate

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

/** `res.end` and `res.write` as the proxy calls them, without their callback overloads. */
type EndFunction = (this: ServerResponse, chunk?: unknown, encoding?: BufferEncoding) => unknown
type WriteFunction = (this: ServerResponse, chunk: unknown, encoding?: BufferEncoding) => boolean

/** A response with the two Node.js internals the `res.end` proxy relies on. */
interface ResponseInternals extends ServerResponse {
  _header?: string | null
  _implicitHeader(): void
}

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

  const storeImplementsTouch = typeof store.touch === 'function'

  // register event listeners for the store to track readiness
  let storeReady = true
  store.on('disconnect', function ondisconnect() {
    storeReady = false
  })
  store.on('connect', function onconnect() {
    storeReady = true
  })

  // what every request's helpers need to know of the options
  const config: MiddlewareConfig = {
    store,
    resaveSession,
    saveUninitializedSession,
    rollingSessions,
    unsetDestroy
  }

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

    // expose store
    req.sessionStore = store

    // get the session ID from the cookie
    const cookieId = (req.sessionID = getcookie(req, name, secrets))

    // what this request remembers about its session until the response ends
    const state: RequestState = {
      req,
      config,
      cookieId,
      originalId: undefined,
      originalHash: undefined,
      savedHash: undefined,
      touched: false
    }

    // set-cookie
    onHeaders(res, function () {
      if (!req.session) {
        debug('no session')
        return
      }

      if (!shouldSetCookie(state)) {
        return
      }

      // only send secure cookies via https
      if (req.session.cookie.secure && !issecure(req, trustProxy)) {
        debug('not secured')
        return
      }

      if (!state.touched) {
        // touch session
        req.session.touch()
        state.touched = true
      }

      // set cookie
      try {
        setcookie(res, name, req.sessionID as string, secrets[0], req.session.cookie.data)
      } catch (err) {
        defer(next, err)
      }
    })

    // proxy end() to commit the session
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(res) below
    const _end = res.end as EndFunction
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(res) below
    const _write = res.write as WriteFunction
    let ended = false
    res.end = function end(chunk?: unknown, encoding?: BufferEncoding) {
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

      if (shouldDestroy(state)) {
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

      if (!state.touched) {
        // touch session
        req.session.touch()
        state.touched = true
      }

      if (shouldSave(state)) {
        req.session.save(function onsave(err) {
          if (err) {
            defer(next, err)
          }

          writeend()
        })

        return writetop()
      } else if (storeImplementsTouch && shouldTouch(state)) {
        // store implements touch method
        debug('touching')
        // storeImplementsTouch has checked that touch exists
        store.touch!(req.sessionID as string, req.session, function ontouch(err) {
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

    // generate a session if the browser doesn't send a sessionID
    if (!req.sessionID) {
      debug('no SID sent, generating session')
      generate(state)
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
          generate(state)
        } else {
          debug('session found')
          inflate(state, sess)
        }
      } catch (e) {
        next(e)
        return
      }

      next()
    })
  }
}

/** What the options decide for every request of one middleware. */
interface MiddlewareConfig {
  store: Store
  resaveSession: boolean
  saveUninitializedSession: boolean
  rollingSessions: boolean
  unsetDestroy: boolean
}

/**
 * What the middleware remembers about one request's session between loading
 * it and ending the response. Upstream keeps these as variables of the
 * middleware's closure; here they are one object, so that the helpers below
 * are made once rather than on every request.
 */
interface RequestState {
  req: SessionRequest
  config: MiddlewareConfig
  /** The id the cookie carried, if it was validly signed. */
  cookieId: string | undefined
  /** The session's id when the route got it. */
  originalId: string | undefined
  /** The fingerprint of the session's data when the route got it. */
  originalHash: string | undefined
  /** The fingerprint of the data last saved, or loaded with resave: false. */
  savedHash: string | undefined
  /** Whether the cookie's clock was restarted on this response. */
  touched: boolean
}

// generate the session
function generate(state: RequestState) {
  const { req, config } = state
  config.store.generate(req)
  state.originalId = req.sessionID
  state.originalHash = hash(req.session as Session)
  wrapmethods(state, req.session as Session)
}

// inflate the session
function inflate(state: RequestState, sess: SessionData) {
  const { req, config } = state
  config.store.createSession(req, sess)
  state.originalId = req.sessionID
  state.originalHash = hash(sess)

  if (!config.resaveSession) {
    state.savedHash = state.originalHash
  }

  wrapmethods(state, req.session as Session)
}

function rewrapmethods(state: RequestState, sess: Session, callback: (...args: unknown[]) => void) {
  return function (this: unknown, ...args: unknown[]) {
    if (state.req.session !== sess) {
      wrapmethods(state, state.req.session as Session)
    }

    callback.apply(this, args)
  }
}

// wrap session methods
function wrapmethods(state: RequestState, sess: Session) {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) below
  const _reload = sess.reload
  // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to this below
  const _save = sess.save

  // method shorthand keeps the names reload and save
  const wrappers = {
    reload(this: Session, callback: (...args: unknown[]) => void) {
      debug('reloading %s', this.id)
      _reload.call(this, rewrapmethods(state, this, callback))
    },

    save(this: Session, ...args: Parameters<Session['save']>) {
      debug('saving %s', this.id)
      state.savedHash = hash(this)
      _save.apply(this, args)
    }
  }

  Object.defineProperty(sess, 'reload', {
    configurable: true,
    enumerable: false,
    // eslint-disable-next-line @typescript-eslint/unbound-method -- a method, installed on the session
    value: wrappers.reload,
    writable: true
  })

  Object.defineProperty(sess, 'save', {
    configurable: true,
    enumerable: false,
    // eslint-disable-next-line @typescript-eslint/unbound-method -- a method, installed on the session
    value: wrappers.save,
    writable: true
  })
}

// check if session has been modified
function isModified(state: RequestState, sess: Session) {
  return state.originalId !== sess.id || state.originalHash !== hash(sess)
}

// check if session has been saved
function isSaved(state: RequestState, sess: Session) {
  return state.originalId === sess.id && state.savedHash === hash(sess)
}

// determine if session should be destroyed
function shouldDestroy(state: RequestState) {
  const { req } = state
  return req.sessionID && state.config.unsetDestroy && req.session == null
}

// determine if session should be saved to store
function shouldSave(state: RequestState) {
  const { req } = state
  // cannot set cookie without a session ID
  if (typeof req.sessionID !== 'string') {
    debug('session ignored because of bogus req.sessionID %o', req.sessionID)
    return false
  }

  return !state.config.saveUninitializedSession && !state.savedHash && state.cookieId !== req.sessionID
    ? isModified(state, req.session as Session)
    : !isSaved(state, req.session as Session)
}

// determine if session should be touched; asked only once shouldSave(state)
// has said no, so that need not be asked (and the session hashed) again
function shouldTouch(state: RequestState) {
  const { req } = state
  // cannot set cookie without a session ID
  if (typeof req.sessionID !== 'string') {
    debug('session ignored because of bogus req.sessionID %o', req.sessionID)
    return false
  }

  return state.cookieId === req.sessionID
}

// determine if cookie should be set on response
function shouldSetCookie(state: RequestState) {
  const { req } = state
  // cannot set cookie without a session ID
  if (typeof req.sessionID !== 'string') {
    return false
  }

  return state.cookieId !== req.sessionID
    ? state.config.saveUninitializedSession || isModified(state, req.session as Session)
    : state.config.rollingSessions ||
        ((req.session as Session).cookie.expires != null && isModified(state, req.session as Session))
}

/** Make the id of a new session: 24 random bytes, written as 32 base64url characters. */
function generateSessionId(): string {
  return randomBytes24().toString('base64url')
}

// random bytes are drawn from the system 128 ids at a time: one call instead of 128
const ID_BYTES = 24
const idPool = Buffer.alloc(ID_BYTES * 128)
let idPoolOffset = idPool.length

/** The next 24 unused bytes of the pool, refilling it from the CSPRNG when it runs out. */
function randomBytes24(): Buffer {
  if (idPoolOffset === idPool.length) {
    crypto.randomFillSync(idPool)
    idPoolOffset = 0
  }
  const bytes = idPool.subarray(idPoolOffset, idPoolOffset + ID_BYTES)
  idPoolOffset += ID_BYTES
  return bytes
}

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

/** Fingerprint a session's data, leaving out its cookie, to tell whether a request changed it. */
function hash(sess: object): string {
  // serialize
  const str = serializeWithoutCookie(sess)

  // hash
  return crypto.hash('sha1', str, 'hex')
}

/**
 * The session as JSON, without its top-level `cookie`. Serialising a copy
 * that lacks the cookie gives the same text as a replacer that skips it,
 * but lets V8 use its fast serializer, which any replacer function rules out.
 */
function serializeWithoutCookie(sess: object): string {
  // an object that serialises itself goes through its toJSON, as upstream's replacer lets it
  if (typeof (sess as { toJSON?: unknown }).toJSON === 'function') {
    return JSON.stringify(sess, function (this: unknown, key: string, val: unknown) {
      return this === sess && key === 'cookie' ? undefined : val
    })
  }

  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(sess)) {
    if (key === 'cookie') continue
    const value = (sess as Record<string, unknown>)[key]
    // a stored "__proto__" key is data: define it, since assigning it would set the prototype
    if (key === '__proto__')
      Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
    else copy[key] = value
  }
  return JSON.stringify(copy)
}

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

/** Sign the session id and append its Set-Cookie header to any already on the response. */
function setcookie(res: ServerResponse, name: string, val: string, secret: SecretKey, options: object): void {
  const signed = 's:' + signature.sign(val, secret)
  const data = cookie.serialize(name, signed, options)

  debug('set-cookie %s', data)

  const prev = res.getHeader('Set-Cookie') || []
  const header = Array.isArray(prev) ? prev.concat(data) : [prev, data]

  res.setHeader('Set-Cookie', header as string[])
}

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
