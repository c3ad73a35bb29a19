/**
 * The recipes of notes/recipes.md, each run against both implementations
 * over real HTTP on 127.0.0.1. The page shows its code by including this
 * file's regions, so the code a reader copies is the code these tests run.
 */
import signature from 'cookie-signature'
import express, { type NextFunction, type Request, type Response } from 'express'
import { Passport } from 'passport'
import { Strategy as LocalStrategy } from 'passport-local'
import { describe, expect, it } from 'vitest'
import type { SessionOptions, Store } from '../src/index.js'
import { countVisits, eventually, sessionApp } from './support/apps.js'
import { cookieHeader, sessionCookie, sessionId, setCookies } from './support/cookies.js'
import { implementations } from './support/implementations.js'
import { storeGet } from './support/stores.js'

// #region session-data
// what these recipes keep in a session (in your app: declare module 'express-session')
declare module '../src/index.js' {
  interface SessionData {
    /** Who logged in. */
    user: string
    /** The page to go back to once logged in. */
    returnTo?: string
  }
}
// #endregion session-data

// #region accounts
/** The one account of these recipes, as in the companion app; it stands in for your user database. */
const USERS: Record<string, string> = { rasmus: 'default' }

/** The fields of the login forms. */
interface LoginForm {
  username?: string
  password?: string
  /** `'on'` when the "remember me" box is ticked; absent when it is not. */
  remember?: string
}

/** Is this the user's password? */
function passwordMatches(username: string | undefined, password: string | undefined): boolean {
  return username !== undefined && Object.hasOwn(USERS, username) && USERS[username] === password
}
// #endregion accounts

// #region options
/** The options every recipe starts from; the secret is fixed for the tests (see the rotation recipe for yours). */
const BASE: SessionOptions = {
  secret: 'recipes',
  resave: false,
  saveUninitialized: false,
  // no maxAge: the cookie lasts until the browser ends its session
  cookie: { httpOnly: true, sameSite: 'lax' }
}
// #endregion options

/** The cookie a browser would send back, with the last character of its signature changed. */
function tampered(cookie: string): string {
  return cookie.slice(0, -1) + (cookie.endsWith('A') ? 'B' : 'A')
}

/** A form login for `client`, as a browser would post it. */
function loginForm(form: LoginForm = { username: 'rasmus', password: 'default' }) {
  return new URLSearchParams(form as Record<string, string>).toString()
}

// #region return-to
/** A page that needs a login, and the login that goes back to it. */
function returnToRoutes(): express.Router {
  const router = express.Router()
  router.get('/account', (req, res) => {
    if (req.session.user === undefined) {
      req.session.returnTo = req.originalUrl
      res.redirect('/login')
      return
    }
    res.send(`Hello, ${req.session.user}`)
  })
  router.post('/login', express.urlencoded({ extended: false }), (req, res, next) => {
    const form = req.body as LoginForm
    if (!passwordMatches(form.username, form.password)) {
      res.status(401).send('Wrong user name or password.')
      return
    }
    // read it now: regenerate() replaces the session, and everything in it, with an empty one
    const returnTo = localPath(req.session.returnTo)
    req.session.regenerate((err) => {
      if (err) return next(err)
      req.session.user = form.username
      res.redirect(returnTo)
    })
  })
  return router
}

/** `url` when it is a path on this site; `/` for anything else, such as `//evil.example` or `/\evil.example`. */
function localPath(url: unknown): string {
  return typeof url === 'string' && url.startsWith('/') && !/^\/[/\\]/.test(url) ? url : '/'
}
// #endregion return-to

describe.each(implementations)('keep a return-to URL across regenerate, on $name', ({ session }) => {
  it('the login sends the visitor back to the page that asked for it, under a new session id', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(session, { ...BASE, store }, { respond: returnToRoutes() })
    const asked = await client.get('/account?tab=keys').expect(302).expect('Location', '/login')
    const login = await client
      .post('/login')
      .set('Cookie', cookieHeader(asked))
      .type('form')
      .send(loginForm())
      .expect(302)
      .expect('Location', '/account?tab=keys')
    expect(sessionId(login)).not.toBe(sessionId(asked))
    expect(await storeGet(store, sessionId(asked))).toBeFalsy()
    await client.get('/account').set('Cookie', cookieHeader(login)).expect(200, 'Hello, rasmus')
  })

  it('read after regenerate, the return-to URL is gone: the new session is empty', async () => {
    const router = express.Router()
    router.get('/account', (req, res) => {
      req.session.returnTo = req.originalUrl
      res.redirect('/login')
    })
    router.post('/login', (req, res, next) => {
      req.session.regenerate((err) => {
        if (err) return next(err)
        res.redirect(req.session.returnTo ?? '/')
      })
    })
    const { client } = await sessionApp(session, BASE, { respond: router })
    const asked = await client.get('/account').expect(302)
    await client.post('/login').set('Cookie', cookieHeader(asked)).expect(302).expect('Location', '/')
  })

  it('a wrong password leaves the session, and its return-to URL, as they were', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(session, { ...BASE, store }, { respond: returnToRoutes() })
    const asked = await client.get('/account').expect(302)
    await client
      .post('/login')
      .set('Cookie', cookieHeader(asked))
      .type('form')
      .send(loginForm({ username: 'rasmus', password: 'wrong' }))
      .expect(401)
    expect(await storeGet(store, sessionId(asked))).toMatchObject({ returnTo: '/account' })
  })
})

describe('localPath', () => {
  it('a WHATWG URL parser, as in browsers, reads //evil.example, and a backslash in place of the second slash, as another site', () => {
    for (const url of ['//evil.example/', '/\\evil.example'])
      expect(new URL(url, 'https://shop.example').host).toBe('evil.example')
  })

  it('keeps a path on this site and turns anything that leaves it into /', () => {
    expect(
      ['/account?tab=keys', '//evil.example/', '/\\evil.example', 'https://evil.example/', 'account', 42].map(localPath)
    ).toEqual(['/account?tab=keys', '/', '/', '/', '/', '/'])
  })
})

// #region remember-me
/** Thirty days, in milliseconds, as `cookie.maxAge` counts. */
const THIRTY_DAYS = 30 * 24 * 60 * 60 * 1000

/** A login with a "remember me" box: ticked, this session's cookie lasts thirty days. */
function rememberMeLogin(req: Request, res: Response, next: NextFunction): void {
  const form = req.body as LoginForm
  if (!passwordMatches(form.username, form.password)) {
    res.status(401).send('Wrong user name or password.')
    return
  }
  req.session.regenerate((err) => {
    if (err) return next(err)
    req.session.user = form.username
    // this session's cookie only: the cookie option stays without maxAge for every other session
    if (form.remember === 'on') req.session.cookie.maxAge = THIRTY_DAYS
    res.redirect('/')
  })
}
// #endregion remember-me

describe.each(implementations)('remember me with cookie.maxAge, on $name', ({ session }) => {
  /** The recipe's app: the login, and a page that counts visits (so that it changes the session). */
  async function rememberMeApp() {
    const store = new session.MemoryStore()
    const router = express.Router()
    router.post('/login', express.urlencoded({ extended: false }), rememberMeLogin)
    router.get('/', countVisits)
    const app = await sessionApp(session, { ...BASE, store }, { respond: router })
    return { ...app, store }
  }

  it('without the box, the cookie carries no Expires: the browser drops it when it ends its session', async () => {
    const { client } = await rememberMeApp()
    const login = await client.post('/login').type('form').send(loginForm()).expect(302)
    expect(sessionCookie(login)?.attributes).toEqual({ path: '/', httponly: true, samesite: 'Lax' })
  })

  it('with the box, the cookie expires in thirty days, and the store keeps the session as long', async () => {
    const { client, store } = await rememberMeApp()
    const before = Date.now()
    const login = await client
      .post('/login')
      .type('form')
      .send(loginForm({ username: 'rasmus', password: 'default', remember: 'on' }))
      .expect(302)
    const expires = Date.parse(String(sessionCookie(login)?.attributes.expires))
    // Expires is written to the second
    expect(expires).toBeGreaterThanOrEqual(before + THIRTY_DAYS - 1000)
    expect(expires).toBeLessThanOrEqual(Date.now() + THIRTY_DAYS)
    const stored = await storeGet(store, sessionId(login))
    // setting maxAge reads the clock twice, so a millisecond can pass between them (chapter 07)
    expect([THIRTY_DAYS - 1, THIRTY_DAYS]).toContain(stored?.cookie.originalMaxAge)
    expect(Math.abs(new Date(stored?.cookie.expires ?? 0).getTime() - expires)).toBeLessThan(1000)
  })

  it('a remembered session keeps its thirty days on later requests; one not remembered stays without expiry', async () => {
    const { client } = await rememberMeApp()
    const remembered = await client
      .post('/login')
      .type('form')
      .send(loginForm({ username: 'rasmus', password: 'default', remember: 'on' }))
    const plain = await client.post('/login').type('form').send(loginForm())
    const before = Date.now()
    const later = await client.get('/').set('Cookie', cookieHeader(remembered)).expect(200, '1')
    expect(Date.parse(String(sessionCookie(later)?.attributes.expires))).toBeGreaterThanOrEqual(
      before + THIRTY_DAYS - 1000
    )
    // a cookie without expiry has nothing to move forward, so it is not sent again
    const plainLater = await client.get('/').set('Cookie', cookieHeader(plain)).expect(200, '1')
    expect(setCookies(plainLater)).toEqual([])
  })
})

// #region logout
/** The session cookie's name and path: session() sets the cookie with them, clearCookie() must name the same. */
const COOKIE_NAME = 'sid'
const COOKIE_PATH = '/'

const logoutOptions: SessionOptions = { ...BASE, name: COOKIE_NAME, cookie: { path: COOKIE_PATH, httpOnly: true } }

/** Log out: the store forgets the session, and the browser is told to drop its cookie. */
function logout(req: Request, res: Response, next: NextFunction): void {
  req.session.destroy((err) => {
    if (err) return next(err)
    res.clearCookie(COOKIE_NAME, { path: COOKIE_PATH })
    res.redirect('/')
  })
}
// #endregion logout

// #region example-test
describe.each(implementations)('logout that also clears the cookie, on $name', ({ session }) => {
  /** The recipe's app: a login that sets the user, the logout, and a page that says who is there. */
  async function logoutApp(logoutRoute: express.RequestHandler) {
    const store = new session.MemoryStore()
    const router = express.Router()
    router.post('/login', (req, res) => {
      req.session.user = 'rasmus'
      res.end()
    })
    router.post('/logout', logoutRoute)
    router.get('/me', (req, res) => {
      res.send(req.session.user ?? 'anonymous')
    })
    const app = await sessionApp(session, { ...logoutOptions, store }, { respond: router })
    return { ...app, store }
  }

  it('the store forgets the session, and the response tells the browser to drop the cookie', async () => {
    const { client, store } = await logoutApp(logout)
    const login = await client.post('/login').expect(200)
    expect(sessionCookie(login)?.name).toBe('sid')
    const out = await client.post('/logout').set('Cookie', cookieHeader(login)).expect(302)
    expect(setCookies(out)).toEqual(['sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT'])
    expect(await storeGet(store, sessionId(login))).toBeFalsy()
    await client.get('/me').set('Cookie', cookieHeader(login)).expect(200, 'anonymous')
  })

  it('destroy alone sends no cookie: the browser keeps sending the dead one', async () => {
    const { client } = await logoutApp((req, res, next) => {
      req.session.destroy((err) => {
        if (err) return next(err)
        res.redirect('/')
      })
    })
    const login = await client.post('/login').expect(200)
    const out = await client.post('/logout').set('Cookie', cookieHeader(login)).expect(302)
    expect(setCookies(out)).toEqual([])
  })
})
// #endregion example-test

// #region save-before-redirect
/** Log in, and send the redirect only once the store holds the logged-in session. */
function loginThenRedirect(req: Request, res: Response, next: NextFunction): void {
  const form = req.body as LoginForm
  if (!passwordMatches(form.username, form.password)) {
    res.status(401).send('Wrong user name or password.')
    return
  }
  req.session.regenerate((err) => {
    if (err) return next(err)
    req.session.user = form.username
    req.session.save((err) => {
      if (err) return next(err)
      res.redirect('/')
    })
  })
}
// #endregion save-before-redirect

/**
 * Hold a store's first write until the test releases it; later writes go
 * through (after regenerate(), the end of the response writes the session
 * again, as both implementations do).
 */
function holdFirstSet(store: Store): { pending: () => boolean; release: () => void; writes: () => number } {
  const set = store.set.bind(store)
  let waiting: (() => void) | undefined
  let writes = 0
  store.set = (sid, sess, cb) => {
    writes++
    if (writes > 1) return set(sid, sess, cb)
    waiting = () => set(sid, sess, cb)
  }
  return { pending: () => waiting !== undefined, release: () => waiting?.(), writes: () => writes }
}

describe.each(implementations)('save before redirect, on $name', ({ session }) => {
  /**
   * Log in while the store holds every write; report whether the response
   * had begun (headers sent) while the write was pending, then let the
   * write finish and follow the redirect.
   */
  async function logInWithASlowStore(login: express.RequestHandler) {
    const store = new session.MemoryStore()
    const held = holdFirstSet(store)
    const responses: Response[] = []
    const router = express.Router()
    router.post('/login', express.urlencoded({ extended: false }), login)
    router.get('/', (req, res) => {
      res.send(req.session.user ?? 'anonymous')
    })
    const { client } = await sessionApp(
      session,
      { ...BASE, store },
      {
        setup: (_req, res, next) => {
          responses.push(res)
          next()
        },
        respond: router
      }
    )
    const answer = client
      .post('/login')
      .type('form')
      .send(loginForm())
      .then((res) => res)
    await eventually(() => expect(held.pending()).toBe(true))
    const sentBeforeTheSave = responses[0].headersSent
    held.release()
    const redirect = await answer
    const home = await client.get('/').set('Cookie', cookieHeader(redirect))
    return { sentBeforeTheSave, status: redirect.status, home: home.text, writes: held.writes() }
  }

  it('a plain redirect sends its headers while the store is still writing', async () => {
    const plain: express.RequestHandler = (req, res) => {
      req.session.user = 'rasmus'
      res.redirect('/')
    }
    expect(await logInWithASlowStore(plain)).toEqual({
      sentBeforeTheSave: true,
      status: 302,
      home: 'rasmus',
      writes: 1
    })
  })

  it('saved first, the redirect leaves only once the store holds the session (and the end of the response writes it again)', async () => {
    expect(await logInWithASlowStore(loginThenRedirect)).toEqual({
      sentBeforeTheSave: false,
      status: 302,
      home: 'rasmus',
      writes: 2
    })
  })
})

// #region secrets
/**
 * The secrets for session(): the current one first, which signs every cookie
 * sent from now on, then the previous one while it is set, which only checks
 * the cookies it signed. Never an array with a hole: a missing secret is left out.
 */
function sessionSecrets(env: NodeJS.ProcessEnv): string[] {
  const secrets = [env.SESSION_SECRET, env.SESSION_SECRET_OLD].filter((s): s is string => Boolean(s))
  if (secrets.length === 0) throw new Error('SESSION_SECRET is not set')
  return secrets
}

/** Cookies live a day at most, so a day after the switch no browser holds one the old secret signed. */
function rotatingOptions(env: NodeJS.ProcessEnv): SessionOptions {
  return { ...BASE, secret: sessionSecrets(env), cookie: { ...BASE.cookie, maxAge: 24 * 60 * 60 * 1000 } }
}
// #endregion secrets

describe.each(implementations)('secrets rotation, on $name', ({ session }) => {
  /** An app counting visits with the secrets this environment gives, on a shared store. */
  function appWith(env: NodeJS.ProcessEnv, store: InstanceType<typeof session.MemoryStore>) {
    return sessionApp(session, { ...rotatingOptions(env), store }, { respond: countVisits })
  }

  it('after the rotation, a cookie signed with the old secret still opens its session, and the next cookie is signed with the new one', async () => {
    const store = new session.MemoryStore()
    const before = await appWith({ SESSION_SECRET: 'first' }, store)
    const visit = await before.client.get('/').expect(200, '1')
    const after = await appWith({ SESSION_SECRET: 'second', SESSION_SECRET_OLD: 'first' }, store)
    const next = await after.client.get('/').set('Cookie', cookieHeader(visit)).expect(200, '2')
    const value = decodeURIComponent(String(sessionCookie(next)?.value)).slice(2)
    expect(signature.unsign(value, 'second')).toBe(sessionId(visit))
  })

  it('once the old secret is removed, its cookies start new sessions: keep it until they have expired', async () => {
    const store = new session.MemoryStore()
    const before = await appWith({ SESSION_SECRET: 'first' }, store)
    const visit = await before.client.get('/').expect(200, '1')
    const after = await appWith({ SESSION_SECRET: 'second' }, store)
    const next = await after.client.get('/').set('Cookie', cookieHeader(visit)).expect(200, '1')
    expect(sessionId(next)).not.toBe(sessionId(visit))
  })

  it('with the old secret unset, a tampered cookie starts a new session, not a 500', async () => {
    const { client } = await appWith({ SESSION_SECRET: 'second' }, new session.MemoryStore())
    const visit = await client.get('/').expect(200, '1')
    await client
      .get('/')
      .set('Cookie', tampered(cookieHeader(visit)))
      .expect(200, '1')
  })

  it('an array that holds undefined for the unset secret answers a tampered cookie with a 500', async () => {
    const env: NodeJS.ProcessEnv = { SESSION_SECRET: 'second' }
    const holed = [env.SESSION_SECRET, env.SESSION_SECRET_OLD] as string[]
    const { client } = await sessionApp(session, { ...rotatingOptions(env), secret: holed }, { respond: countVisits })
    const visit = await client.get('/').expect(200, '1')
    await client
      .get('/')
      .set('Cookie', tampered(cookieHeader(visit)))
      .expect(500, 'Secret key must be provided.')
  })

  it('with no secret at all, sessionSecrets refuses to start', () => {
    expect(() => sessionSecrets({})).toThrow('SESSION_SECRET is not set')
    expect(() => sessionSecrets({ SESSION_SECRET: '' })).toThrow('SESSION_SECRET is not set')
  })
})

/** The user passport keeps on `req.user` in the passport recipe. */
interface User {
  name: string
}

// #region passport
/** Log in with a user name and password through passport-local, on the session; who am I; log out. */
function passportRoutes(): express.Router {
  const passport = new Passport()
  passport.use(
    new LocalStrategy((username, password, done) => {
      if (passwordMatches(username, password)) return done(null, { name: username })
      done(null, false)
    })
  )
  // the session keeps the user's name, and each request turns it back into a user
  passport.serializeUser((user, done) => done(null, (user as User).name))
  passport.deserializeUser((name: string, done) => done(null, { name }))

  const router = express.Router()
  router.use(passport.session())
  router.post(
    '/login',
    express.urlencoded({ extended: false }),
    // @types/passport 1.0.17 types what authenticate() returns as any
    passport.authenticate('local', { successRedirect: '/me', failureRedirect: '/login' }) as express.RequestHandler
  )
  router.get('/me', (req, res) => {
    res.json({ user: (req.user as User | undefined)?.name ?? null })
  })
  router.post('/logout', (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err)
      res.redirect('/')
    })
  })
  return router
}
// #endregion passport

describe.each(implementations)('a login with passport and passport-local, on $name', ({ session }) => {
  /** The recipe's app on a store the test can read. */
  async function passportApp() {
    const store = new session.MemoryStore()
    const app = await sessionApp(session, { ...BASE, store }, { respond: passportRoutes() })
    return { ...app, store }
  }

  it('logging in gives a new session id that carries the user’s name, and /me knows them', async () => {
    const { client, store } = await passportApp()
    const login = await client.post('/login').type('form').send(loginForm()).expect(302).expect('Location', '/me')
    expect(await storeGet(store, sessionId(login))).toMatchObject({ passport: { user: 'rasmus' } })
    await client.get('/me').set('Cookie', cookieHeader(login)).expect(200, { user: 'rasmus' })
  })

  it('passport 0.7.0 regenerates the session at login: the id the visitor had before no longer opens anything', async () => {
    const { client, store } = await passportApp()
    const first = await client.post('/login').type('form').send(loginForm()).expect(302)
    const again = await client.post('/login').set('Cookie', cookieHeader(first)).type('form').send(loginForm())
    expect(again.status).toBe(302)
    expect(sessionId(again)).not.toBe(sessionId(first))
    expect(await storeGet(store, sessionId(first))).toBeFalsy()
  })

  it('a wrong password goes back to the form, with nobody logged in', async () => {
    const { client } = await passportApp()
    const failed = await client
      .post('/login')
      .type('form')
      .send(loginForm({ username: 'rasmus', password: 'no' }))
    expect([failed.status, failed.headers.location, setCookies(failed)]).toEqual([302, '/login', []])
  })

  it('logging out forgets the user, and the session that follows has a new id', async () => {
    const { client } = await passportApp()
    const login = await client.post('/login').type('form').send(loginForm()).expect(302)
    const out = await client.post('/logout').set('Cookie', cookieHeader(login)).expect(302).expect('Location', '/')
    expect(sessionId(out)).not.toBe(sessionId(login))
    await client.get('/me').set('Cookie', cookieHeader(login)).expect(200, { user: null })
    await client.get('/me').set('Cookie', cookieHeader(out)).expect(200, { user: null })
  })
})
