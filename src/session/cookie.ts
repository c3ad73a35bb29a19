// #region imports (session/cookie.js 10-15)
/**
 * The session cookie: its attributes, its expiry, and how it is written
 * into a Set-Cookie header. Mirrors express-session's `session/cookie.js`.
 *
 * @module
 */

import cookie from 'cookie'
import depd from 'depd'

const deprecate = depd('express-session')
// #endregion imports

// #region types (ours only)
/**
 * The values of the `SameSite` attribute: `true` means `'strict'`, `false`
 * leaves the attribute out, and `'auto'` (an option of `session()`, not of
 * the `cookie` package) picks `'none'` over HTTPS and `'lax'` otherwise.
 */
export type CookieSameSite = boolean | 'lax' | 'strict' | 'none' | 'auto'

/** The values of the `Priority` attribute. */
export type CookiePriority = 'low' | 'medium' | 'high'

/**
 * The `cookie` option of `session()`, and what `new Cookie(options)` accepts.
 * Every field is optional; a `Cookie` starts as `{ path: '/', httpOnly: true, maxAge: null }`.
 * Each field also accepts `undefined`, which counts as left out, so that an
 * application compiled with `exactOptionalPropertyTypes` can pass a value it
 * may not have.
 */
export interface CookieOptions {
  /** Milliseconds from now until the cookie expires; `null` makes a browser-session cookie. */
  maxAge?: number | null | undefined
  /** An absolute expiry date; when both are given, the one listed last wins. */
  expires?: Date | null | undefined
  /** The `maxAge` the cookie was created with; restored from the store when a session loads. */
  originalMaxAge?: number | null | undefined
  /** Adds the `Partitioned` attribute (CHIPS), for cookies in a third-party context. */
  partitioned?: boolean | undefined
  /** The `Priority` attribute: `'low'`, `'medium'` or `'high'`. */
  priority?: CookiePriority | undefined
  /** The `Secure` attribute; `'auto'` follows whether the request arrived over HTTPS. */
  secure?: boolean | 'auto' | undefined
  /** The `HttpOnly` attribute, `true` unless turned off: page scripts cannot read the cookie. */
  httpOnly?: boolean | undefined
  /** The `Domain` attribute; without it the cookie goes back only to the host that set it. */
  domain?: string | undefined
  /** The `Path` attribute, `'/'` by default; the middleware also skips requests outside it. */
  path?: string | undefined
  /** The `SameSite` attribute; see {@link CookieSameSite}. */
  sameSite?: CookieSameSite | undefined
}

/**
 * The attributes a `Cookie` hands to the `cookie` package's `serialize`, and
 * what `JSON.stringify` writes for it.
 */
export interface CookieData {
  /** See {@link CookieOptions.originalMaxAge}. */
  originalMaxAge: number | null | undefined
  /** See {@link CookieOptions.partitioned}. */
  partitioned: boolean | undefined
  /** See {@link CookieOptions.priority}. */
  priority: CookiePriority | undefined
  /** The expiry date, or `null`/`undefined` for a browser-session cookie. */
  expires: Date | null | undefined
  /** See {@link CookieOptions.secure}. */
  secure: boolean | 'auto' | undefined
  /** See {@link CookieOptions.httpOnly}. */
  httpOnly: boolean | undefined
  /** See {@link CookieOptions.domain}. */
  domain: string | undefined
  /** See {@link CookieOptions.path}. */
  path: string | undefined
  /** See {@link CookieOptions.sameSite}. */
  sameSite: CookieSameSite | undefined
}

/**
 * A session's cookie as a store holds it: plain data, every field optional.
 * A store's `set` and `touch` are handed the live {@link Cookie} (its
 * `expires` a `Date`); what `get` gives back went through JSON, so there
 * `expires` is the date written as a string, and `maxAge` (an accessor on the
 * live cookie, which JSON does not write) is gone. Every field but `expires`
 * is typed as in {@link CookieOptions}.
 */
export interface StoredCookie extends Pick<
  CookieOptions,
  'originalMaxAge' | 'maxAge' | 'partitioned' | 'priority' | 'secure' | 'httpOnly' | 'domain' | 'path' | 'sameSite'
> {
  /** A `Date` on the live cookie; after JSON, the same date as an ISO string. */
  expires?: string | Date | null | undefined
}

/**
 * A session's cookie, as `req.session.cookie`. Its attributes are plain
 * properties; `expires` and `maxAge` are two views of one expiry date.
 *
 * @example
 * ```ts
 * const c = new Cookie({ maxAge: 60_000, sameSite: 'lax' })
 * c.serialize('connect.sid', 's:abc.def')
 * // 'connect.sid=s%3Aabc.def; Path=/; Expires=…; HttpOnly; SameSite=Lax'
 * ```
 */
interface Cookie {
  /** The `Path` attribute. */
  path: string
  /** The `HttpOnly` attribute. */
  httpOnly: boolean
  /** The `maxAge` the cookie was given, kept so that `touch()` can restart the clock. */
  originalMaxAge: number | null | undefined
  /** The `Secure` attribute. */
  secure?: boolean | 'auto'
  /** The `Domain` attribute. */
  domain?: string
  /** The `SameSite` attribute. */
  sameSite?: CookieSameSite
  /** The `Partitioned` attribute. */
  partitioned?: boolean
  /** The `Priority` attribute. */
  priority?: CookiePriority
  /** Where the `expires` accessor keeps its date; an own, enumerable property, as upstream has it. */
  _expires?: Date | null
  /** The expiry date, or `null`/`undefined` for a browser-session cookie. */
  get expires(): Date | null | undefined
  /** Set the expiry date; this also records the time left as `originalMaxAge`. */
  set expires(date: Date | null | undefined)
  /**
   * Milliseconds left until `expires`; `null` when the cookie has no expiry
   * (the default: a browser-session cookie), `undefined` when it was given
   * `maxAge: undefined`.
   */
  get maxAge(): number | null | undefined
  /** Move `expires` to now + `ms` (a `Date` is accepted, deprecated; `null` removes the expiry). */
  set maxAge(ms: number | Date | null | undefined)
  /** The attributes as one object, for `serialize` and for the store. */
  readonly data: CookieData
  /** The Set-Cookie header value for a cookie `name` holding `val`. */
  serialize(name: string, val: string): string
  /** What `JSON.stringify` writes for this cookie: its {@link Cookie.data}. */
  toJSON(): CookieData
}

/** The `Cookie` constructor: a function constructor, like upstream's. */
export interface CookieConstructor {
  /** Make a cookie with the defaults, then copy every option but `data` onto it. */
  new (options?: CookieOptions): Cookie
  /** The shared accessors and methods of every cookie. */
  prototype: Cookie
}
// #endregion types

// #region exports (session/cookie.js 25)
export { Cookie as default, Cookie, Cookie as 'module.exports' } // what require() of this file returns
// #endregion exports

// #region constructor (session/cookie.js 17-45)
/**
 * The session cookie's constructor, exported as `session.Cookie`.
 */
const Cookie = function Cookie(this: Cookie, options?: CookieOptions) {
  this.path = '/'
  this.maxAge = null
  this.httpOnly = true

  if (options) {
    if (typeof options !== 'object') {
      throw new TypeError('argument options must be a object')
    }

    for (const key in options) {
      if (key !== 'data') {
        ;(this as unknown as Record<string, unknown>)[key] = (options as Record<string, unknown>)[key]
      }
    }
  }

  if (this.originalMaxAge === undefined || this.originalMaxAge === null) {
    this.originalMaxAge = this.maxAge
  }
} as unknown as CookieConstructor
// #endregion constructor

// #region prototype (session/cookie.js 47-152)
Cookie.prototype = {
  set expires(date: Date | null | undefined) {
    this._expires = date
    this.originalMaxAge = this.maxAge
  },

  get expires(): Date | null | undefined {
    return this._expires
  },

  set maxAge(ms: number | Date | null | undefined) {
    if (ms && typeof ms !== 'number' && !(ms instanceof Date)) {
      throw new TypeError('maxAge must be a number or Date')
    }

    if (ms instanceof Date) {
      deprecate('maxAge as Date; pass number of milliseconds instead')
    }

    this.expires = typeof ms === 'number' ? new Date(Date.now() + ms) : ms
  },

  get maxAge(): number | null | undefined {
    return this.expires instanceof Date ? this.expires.valueOf() - Date.now() : this.expires
  },

  get data(): CookieData {
    return {
      originalMaxAge: this.originalMaxAge,
      partitioned: this.partitioned,
      priority: this.priority,
      expires: this._expires,
      secure: this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite
    }
  },

  serialize(name: string, val: string): string {
    return cookie.serialize(name, val, this.data as cookie.CookieSerializeOptions)
  },

  toJSON(): CookieData {
    return this.data
  }
} as Cookie
// #endregion prototype
