/**
 * What an application written against `@types/express-session` 1.18/1.19 does
 * with the package, installed under the name `express-session`: the named
 * exports and the `session.X` namespace types, module augmentation of
 * `SessionData` reaching `req.session`, a store written with @types' method
 * signatures, every `req.session` method. The consumer test compiles this
 * file with strict settings (tsconfig.app.json) against the packed package,
 * and app.ts runs it; test/02-types.test.ts compiles it against src/. Where
 * the package is deliberately stricter than @types, the idiom is in
 * stricter.ts instead. To hold the package to one more idiom, add it here.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the store signatures are @types/express-session's, written as applications write them */
import express from 'express'
import session, { Cookie, MemoryStore, Session, Store, type SessionData, type SessionOptions } from 'express-session'

// the application's own session fields, by module augmentation
declare module 'express-session' {
  interface SessionData {
    views: number
    user: { name: string }
  }
}

/** A store written the way stores for express-session are: a subclass with the three required methods. */
export class MapStore extends Store {
  readonly sessions = new Map<string, string>()

  override get(sid: string, callback: (err: any, session?: SessionData | null) => void): void {
    const json = this.sessions.get(sid)
    callback(null, json === undefined ? null : (JSON.parse(json) as SessionData))
  }

  override set(sid: string, sess: SessionData, callback?: (err?: any) => void): void {
    this.sessions.set(sid, JSON.stringify(sess))
    callback?.()
  }

  override destroy(sid: string, callback?: (err?: any) => void): void {
    this.sessions.delete(sid)
    callback?.()
  }
}

/**
 * A store with every optional method too, each with @types' signature and
 * types spelled through the namespace (`session.Store`, `session.SessionData`).
 */
export class FullStore extends session.Store {
  readonly data: { [sid: string]: session.SessionData } = {}

  override get(sid: string, callback: (err: any, session?: session.SessionData | null) => void): void {
    callback(null, this.data[sid] ?? null)
  }

  override set(sid: string, sess: session.SessionData, callback?: (err?: any) => void): void {
    this.data[sid] = sess
    if (callback) callback()
  }

  override destroy(sid: string, callback?: (err?: any) => void): void {
    delete this.data[sid]
    if (callback) callback()
  }

  override all(
    callback: (err: any, obj?: session.SessionData[] | { [sid: string]: session.SessionData } | null) => void
  ): void {
    callback(null, this.data)
  }

  override length(callback: (err: any, length?: number) => void): void {
    callback(null, Object.keys(this.data).length)
  }

  override clear(callback?: (err?: any) => void): void {
    for (const sid of Object.keys(this.data)) delete this.data[sid]
    if (callback) callback()
  }

  override touch(sid: string, sess: session.SessionData, callback?: () => void): void {
    const current = this.data[sid]
    if (current) current.cookie = sess.cookie
    if (callback) callback()
  }
}

/** Options as an application spells them, typed by the named export. */
export const options: SessionOptions = {
  secret: ['new secret', 'old secret'],
  name: 'app.sid',
  resave: false,
  saveUninitialized: false,
  rolling: false,
  proxy: false,
  genid: () => `id-${Math.random().toString(36).slice(2)}`,
  cookie: { maxAge: 60_000, httpOnly: true, sameSite: 'lax', secure: 'auto', path: '/' },
  store: new MapStore()
}

/** The same, through the namespace: `session.SessionOptions` and `session.CookieOptions`. */
const cookieOptions: session.CookieOptions = {
  maxAge: 60_000,
  sameSite: 'strict',
  priority: 'high',
  partitioned: false
}
export const namespaced: session.SessionOptions = {
  secret: process.env['SESSION_SECRET'] ?? 'keyboard cat',
  resave: false,
  saveUninitialized: false,
  // a value the application may not have: undefined counts as left out (exactOptionalPropertyTypes)
  name: process.env['SESSION_NAME'],
  cookie: () => cookieOptions,
  store: new FullStore()
}

/** The statics are values too: `session.MemoryStore`, `session.Store`, `session.Cookie`, `session.Session`. */
export const memory: Store = new session.MemoryStore()
export const sameConstructors: boolean =
  session.MemoryStore === MemoryStore &&
  session.Store === Store &&
  session.Cookie === Cookie &&
  session.Session === Session &&
  memory instanceof session.Store

/** …and types: `session.Store`, `session.MemoryStore`, `session.Cookie`, `session.Session`. */
export const typedMemory: session.MemoryStore = new MemoryStore()
export const anyStore: session.Store = typedMemory
export function describeCookie(cookie: session.Cookie): string {
  return `${cookie.path}, httpOnly ${String(cookie.httpOnly)}, expires ${String(cookie.expires)}`
}
export function idOf(sess: session.Session): string {
  return sess.id
}

/** The routes: every `req.session` method, and the augmented fields. */
export const routes: express.Router = express.Router()

routes.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1
  res.type('text').send(String(req.session.views))
})

routes.post('/login', (req, res, next) => {
  req.session.regenerate((err) => {
    if (err) return next(err)
    req.session.user = { name: 'rasmus' }
    req.session.save((saveErr) => (saveErr ? next(saveErr) : res.redirect('/')))
  })
})

routes.get('/me', (req, res) => {
  const id: string = req.sessionID
  const same: boolean = req.session.id === id
  const expires: Date | null | undefined = req.session.cookie.expires
  const name: string | undefined = req.session.user?.name
  const original = req.session.cookie.originalMaxAge
  // @types says number | undefined; ours adds null, the value with no maxAge set (see stricter.ts)
  const left: number | null | undefined = req.session.cookie.maxAge
  req.session.touch()
  req.session.resetMaxAge()
  req.session.cookie.maxAge = 30_000
  res.json({
    id,
    same,
    expires,
    name: name ?? null,
    original,
    left: left ?? null,
    cookie: describeCookie(req.session.cookie)
  })
})

routes.get('/reload', (req, res, next) => {
  req.session.reload((err) => (err ? next(err) : res.end()))
})

routes.post('/logout', (req, res, next) => {
  req.session.destroy((err) => {
    if (err) return next(err)
    res.clearCookie('app.sid').end()
  })
})

routes.get('/count', (req, res, next) => {
  req.sessionStore.length?.((err, length) => (err ? next(err) : res.json(length ?? null)))
})

routes.get('/peek', (req, res, next) => {
  // the store hands back the data as the application declared it
  req.sessionStore.get(req.sessionID, (err, sess) => {
    if (err) return next(err)
    const views: number | undefined = sess?.views
    res.json({ views: views ?? null, idOf: idOf(req.session) })
  })
})
