/**
 * Chapter 13 — the middleware an Express app puts around a session, run on
 * both implementations: passport 0.7.0 with passport-local 1.0.0 and
 * connect-flash 0.1.1, and session-file-store 1.5.0 as the store. (connect-redis
 * runs against a real redis-server in integration/.)
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import flash from 'connect-flash'
import express from 'express'
import { Passport } from 'passport'
import { Strategy as LocalStrategy } from 'passport-local'
import { describe, expect, it, onTestFinished } from 'vitest'
import ours, { type SessionData, type Store } from '../src/index.js'
import { RedisStore } from '../src/stores/redis-store.js'
import { data, sessionApp, type SessionApp } from './support/apps.js'
import { cookieHeader, sessionId } from './support/cookies.js'
import { closeServer } from './support/http.js'
import { implementations, upstream, type SessionModule } from './support/implementations.js'
import { storeGet } from './support/stores.js'

const require = createRequire(import.meta.url)

/** The user passport puts on `req.user` in these apps. */
interface User {
  name: string
}

/** The one account of these apps, as in the companion app. */
const USERS: Record<string, string> = { rasmus: 'default' }

/** The message passport-local's verify function gives for a failed login, which failureFlash stores. */
const WRONG = 'Wrong user name or password.'

/** session-file-store's options that these tests use. */
interface FileStoreOptions {
  path: string
  retries: number
  reapInterval: number
  logFn: (message: string) => void
}

/** session-file-store's export: a function of the session module that returns its store class. */
type FileStoreFactory = (session: SessionModule) => new (options: FileStoreOptions) => Store

/**
 * The routes of a passport app, after the session middleware: a page that
 * touches the session, login with passport-local (failures flashed), who am
 * I, and logout with `req.logout(cb)`.
 */
function authRoutes(): express.Router {
  const auth = new Passport()
  auth.use(
    new LocalStrategy((username, password, done) => {
      if (Object.hasOwn(USERS, username) && USERS[username] === password) return done(null, { name: username })
      done(null, false, { message: WRONG })
    })
  )
  auth.serializeUser((user, done) => done(null, (user as User).name))
  auth.deserializeUser((name: string, done) => done(null, { name }))

  const router = express.Router()
  router.use(express.urlencoded({ extended: false }))
  router.use(flash())
  router.use(auth.initialize())
  router.use(auth.session())
  router.get('/visit', (req, res) => {
    data(req).visited = true
    res.end()
  })
  // @types/passport 1.0.17 types what authenticate() returns as any
  const login = auth.authenticate('local', {
    successRedirect: '/me',
    failureRedirect: '/login',
    failureFlash: true
  }) as express.RequestHandler
  router.post('/login', login)
  router.get('/login', (req, res) => {
    res.json({ error: req.flash('error'), info: req.flash('info') })
  })
  router.get('/me', (req, res) => {
    res.json({ user: (req.user as User | undefined)?.name ?? null })
  })
  router.post('/logout', (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err)
      req.flash('info', 'Logged out.')
      res.redirect('/login')
    })
  })
  return router
}

/** A passport app on `session`, with the settings passport's own examples use. */
function passportApp(session: SessionModule, store: Store): Promise<SessionApp> {
  return sessionApp(session, { store, resave: false, saveUninitialized: false }, { respond: authRoutes() })
}

/** Log rasmus in; resolves to the login's response. */
function logIn(app: SessionApp, cookie?: string, password = 'default') {
  const req = app.client.post('/login').type('form').send({ username: 'rasmus', password })
  return cookie === undefined ? req : req.set('Cookie', cookie)
}

/** A session-file-store FileStore in a fresh temporary folder, removed when the test ends. */
function fileStoreIn(session: SessionModule, dir: string): Store {
  const FileStore = (require('session-file-store') as FileStoreFactory)(session)
  return new FileStore({ path: dir, retries: 0, reapInterval: -1, logFn: () => {} })
}

/** A temporary folder, removed when the test ends. */
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecosystem-'))
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe.each(implementations)('passport + passport-local + connect-flash on $name', ({ session }) => {
  it('a login regenerates the session id, and the old id no longer opens anything', async () => {
    const store = new session.MemoryStore()
    const app = await passportApp(session, store)
    const before = await app.client.get('/visit').expect(200)
    const login = await logIn(app, cookieHeader(before)).expect(302).expect('Location', '/me')
    expect(sessionId(login)).not.toBe(sessionId(before))
    expect(await storeGet(store, sessionId(before))).toBeFalsy()
    await app.client.get('/me').set('Cookie', cookieHeader(login)).expect(200, { user: 'rasmus' })
    await app.client.get('/me').set('Cookie', cookieHeader(before)).expect(200, { user: null })
  })

  it('a failed login flashes its message, which the next page shows once', async () => {
    const app = await passportApp(session, new session.MemoryStore())
    const failed = await logIn(app, undefined, 'wrong').expect(302).expect('Location', '/login')
    const cookie = cookieHeader(failed)
    await app.client
      .get('/login')
      .set('Cookie', cookie)
      .expect(200, { error: [WRONG], info: [] })
    await app.client.get('/login').set('Cookie', cookie).expect(200, { error: [], info: [] })
    await app.client.get('/me').set('Cookie', cookie).expect(200, { user: null })
  })

  it('req.logout(cb) forgets the user and moves what follows to a new session id', async () => {
    const store = new session.MemoryStore()
    const app = await passportApp(session, store)
    const login = await logIn(app).expect(302)
    const logout = await app.client.post('/logout').set('Cookie', cookieHeader(login)).expect(302)
    expect(logout.headers.location).toBe('/login')
    expect(sessionId(logout)).not.toBe(sessionId(login))
    expect(await storeGet(store, sessionId(login))).toBeFalsy()
    await app.client.get('/me').set('Cookie', cookieHeader(login)).expect(200, { user: null })
    await app.client
      .get('/login')
      .set('Cookie', cookieHeader(logout))
      .expect(200, { error: [], info: ['Logged out.'] })
  })
})

describe.each(implementations)('session-file-store on $name', ({ session }) => {
  it('a login survives a restart of the app and its store', async () => {
    const dir = tempDir()
    const first = await passportApp(session, fileStoreIn(session, dir))
    const login = await logIn(first).expect(302)
    await closeServer(first.server)

    const restarted = await passportApp(session, fileStoreIn(session, dir))
    await restarted.client.get('/me').set('Cookie', cookieHeader(login)).expect(200, { user: 'rasmus' })
    const file = JSON.parse(fs.readFileSync(path.join(dir, `${sessionId(login)}.json`), 'utf8')) as SessionData & {
      passport: { user: string }
    }
    expect(file.passport.user).toBe('rasmus')
  })

  it('a cookie whose session file is missing starts a new session instead of failing', async () => {
    const dir = tempDir()
    const app = await passportApp(session, fileStoreIn(session, dir))
    const login = await logIn(app).expect(302)
    fs.rmSync(path.join(dir, `${sessionId(login)}.json`))
    await app.client.get('/me').set('Cookie', cookieHeader(login)).expect(200, { user: null })
  })
})

describe('redis, an optional peer dependency (ours only)', () => {
  it("without a client, RedisStore's error says which package to install", () => {
    expect(() => new RedisStore({} as never)).toThrow('a node-redis client (npm install redis)')
  })
})

describe("a store built on express-session's own Store, under ours", () => {
  it("keeps sessions, but each session it loads is express-session's Session, with express-session's Cookie", async () => {
    /** A store written the way connect-redis 9 is: a class extending the Store that express-session exports. */
    class MapStore extends upstream.Store {
      readonly sessions = new Map<string, string>()
      override get(sid: string, cb: (err: unknown, session?: SessionData | null) => void): void {
        const json = this.sessions.get(sid)
        setImmediate(() => cb(null, json === undefined ? null : (JSON.parse(json) as SessionData)))
      }
      override set(sid: string, session: SessionData, cb?: (err?: unknown) => void): void {
        this.sessions.set(sid, JSON.stringify(session))
        setImmediate(() => cb?.())
      }
      override destroy(sid: string, cb?: (err?: unknown) => void): void {
        this.sessions.delete(sid)
        setImmediate(() => cb?.())
      }
    }
    const store = new MapStore()
    const whose = (value: object) =>
      value instanceof ours.Session || value instanceof ours.Cookie
        ? 'ours'
        : value instanceof upstream.Session || value instanceof upstream.Cookie
          ? 'express-session'
          : 'neither'
    const seen: Array<{ session: string; cookie: string }> = []
    const { client } = await sessionApp(
      ours,
      { store, resave: false },
      {
        respond: (req, res) => {
          const data = req.session as unknown as { views?: number }
          data.views = (data.views ?? 0) + 1
          seen.push({ session: whose(req.session), cookie: whose(req.session.cookie) })
          res.end(String(data.views))
        }
      }
    )
    expect(store).not.toBeInstanceOf(ours.Store)
    const first = await client.get('/').expect(200, '1')
    await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    expect(seen).toEqual([
      { session: 'ours', cookie: 'ours' },
      { session: 'express-session', cookie: 'express-session' }
    ])
  })
})
