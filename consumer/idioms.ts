/**
 * What an application written against `@types/express-session` does with the
 * package, installed under the name `express-session`. The consumer test
 * compiles this file with strict settings (tsconfig.app.json) against the
 * packed package, and app.ts runs it. To hold the package to one more
 * idiom, add it here.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the store signatures are @types/express-session's, copied as applications copy them */
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

/** The statics are values too: `session.MemoryStore`, `session.Store`, `session.Cookie`, `session.Session`. */
export const memory: Store = new session.MemoryStore()
export const sameConstructors: boolean =
  session.MemoryStore === MemoryStore &&
  session.Store === Store &&
  session.Cookie === Cookie &&
  session.Session === Session &&
  memory instanceof session.Store

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
  req.session.touch()
  req.session.resetMaxAge()
  req.session.cookie.maxAge = 30_000
  res.json({ id, same, expires, name: name ?? null, original })
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
