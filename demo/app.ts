/**
 * The companion app: a visit counter, the classic login story (rasmus /
 * default), pages that take the session apart, and a log of the pages
 * visited. Used by the video and by chapter 10.
 */
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import signature from 'cookie-signature'
import cookie from 'cookie'
import session, { type SessionOptions, type Store } from '../src/index.js'
import { escapeHtml, jsonBlock, page, type SessionPanel } from './html.js'

// The app's own fields on a session. They live here, outside src/, so that the
// library's types and API pages never carry them.
declare module '../src/index.js' {
  interface SessionData {
    /** How many times this session has loaded the home page. */
    views: number
    /** Who logged in, if anyone. */
    user: string
    /** The paths of the last pages visited in this session, oldest first; absent in sessions older than the log. */
    visitLog?: string[]
  }
}

/** What the app needs to know to start. */
export interface DemoOptions {
  store: Store
  secret: string
  /** Extra session options, for tests. */
  session?: Partial<SessionOptions>
}

/** The demo's one user: the classic login story. */
const USERS: Record<string, string> = { rasmus: 'default' }

/** The cookie name; the default, so the chapters and the app agree. */
export const COOKIE_NAME = 'connect.sid'

/** The session as every page shows it. */
function panelOf(req: Request): SessionPanel {
  const sess = req.session as typeof req.session | undefined
  return {
    id: sess ? req.sessionID : undefined,
    user: sess?.user,
    visitLog: Array.isArray(sess?.visitLog) ? sess.visitLog : [],
    data: sess ? JSON.parse(JSON.stringify(sess)) : null
  }
}

/** The session cookie taken apart, as /inspect shows it. */
export interface Inspection {
  cookieHeader: string | null
  cookieValue: string | null
  parts: { prefix: string; id: string; signature: string } | null
  signatureVerifies: boolean
  sessionId: string | undefined
  stored: unknown
  cookie: unknown
}

/** Split `s:<id>.<signature>` into its three parts. */
function splitSigned(value: string): Inspection['parts'] {
  if (!value.startsWith('s:')) return null
  const body = value.slice(2)
  const dot = body.lastIndexOf('.')
  if (dot === -1) return null
  return { prefix: 's:', id: body.slice(0, dot), signature: body.slice(dot + 1) }
}

/** Build the app. */
export function createApp(options: DemoOptions): express.Express {
  const { store, secret } = options
  const app = express()
  app.disable('x-powered-by')
  app.use(express.urlencoded({ extended: false }))
  // #region demo-session
  app.use(
    session({
      name: COOKIE_NAME,
      store,
      secret,
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 24 * 60 * 60 * 1000, sameSite: 'lax', httpOnly: true },
      ...options.session
    })
  )
  // #endregion demo-session

  // while the store is away the middleware attaches no session: say so, and go on
  app.use((req, res, next) => {
    if (req.session || req.method === 'GET') return next()
    res
      .status(503)
      .type('text')
      .send('Sessions are unavailable right now (the session store is not reachable). Try again shortly.\n')
  })

  app.get(LOGGED_PAGES, logVisit)

  app.get('/', (req, res) => {
    if (!req.session) {
      res
        .type('html')
        .send(
          page(
            'Home',
            '<p id="no-session">The session store is not reachable right now, so this visit is not counted and nobody is logged in.</p>',
            panelOf(req)
          )
        )
      return
    }
    req.session.views = (req.session.views ?? 0) + 1
    res.type('html').send(
      page(
        'Home',
        `
<p>You have visited this page <strong id="views">${req.session.views}</strong> time${req.session.views === 1 ? '' : 's'} in this session.</p>
<p>Reload to count again; <a href="/inspect">inspect</a> the cookie; <a href="/login">log in</a> as <code>rasmus</code> / <code>default</code>.</p>`,
        panelOf(req)
      )
    )
  })

  app.get('/login', (req, res) => {
    res.type('html').send(loginPage(req, '', ''))
  })

  // #region demo-login
  app.post('/login', (req, res, next) => {
    const { username, password } = (req.body ?? {}) as { username?: unknown; password?: unknown }
    if (
      typeof username !== 'string' ||
      typeof password !== 'string' ||
      USERS[username] === undefined ||
      USERS[username] !== password
    ) {
      const typed = typeof username === 'string' ? username : ''
      res
        .status(401)
        .type('html')
        .send(loginPage(req, 'Unknown user or wrong password.', typed))
      return
    }
    // a new id at the moment of login: an id an attacker planted before it is now worthless
    req.session.regenerate((err) => {
      if (err) return next(err)
      req.session.user = username
      // save before redirecting: a browser follows the redirect as soon as the
      // headers arrive, before the end-of-response save would have finished
      req.session.save((saveErr) => {
        if (saveErr) return next(saveErr)
        res.redirect(303, '/')
      })
    })
  })

  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err)
      res.clearCookie(COOKIE_NAME, { path: '/' })
      res.redirect(303, '/')
    })
  })
  // #endregion demo-login

  app.get(['/inspect', '/inspect.json'], (req, res, next) => {
    inspect(req, secret, store, (err, inspection) => {
      if (err) return next(err)
      if (req.path.endsWith('.json')) return void res.json(inspection)
      res.type('html').send(page('Inspect', inspectHtml(inspection as Inspection), panelOf(req)))
    })
  })

  app.get(['/store', '/store.json'], (req, res, next) => {
    if (!store.all) return next(new Error('this store cannot list its sessions'))
    store.all((err, all) => {
      if (err) return next(err)
      if (req.path.endsWith('.json')) return void res.json(all)
      const count = Object.keys(all ?? {}).length
      res
        .type('html')
        .send(
          page(
            'Store',
            `<p>The store holds <strong id="count">${count}</strong> session${count === 1 ? '' : 's'}.</p>${jsonBlock(all)}`,
            panelOf(req)
          )
        )
    })
  })

  // #region demo-headers
  app.get('/headers', (req, res) => {
    // the browser's own headers, its session cookie too, shown to that browser only (chapter 10)
    res
      .set('Cache-Control', 'no-store')
      .type('json')
      .send(JSON.stringify(req.headers, null, 2) + '\n')
  })
  // #endregion demo-headers

  app.use((req, res) => {
    res
      .status(404)
      .type('html')
      .send(page('Not found', `<p>There is no page at <code>${escapeHtml(req.path)}</code>.</p>`, panelOf(req)))
  })

  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err)
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500
    const message =
      status >= 500
        ? 'Something went wrong with the session store. The request could not be completed.'
        : 'The request could not be understood.'
    res
      .status(status)
      .type('text')
      .send(message + '\n')
  })

  return app
}

/** The login form, with an error and the name typed if the last try failed. */
function loginPage(req: Request, error: string, username: string): string {
  const message = error ? `<p class="error" id="error">${escapeHtml(error)}</p>` : ''
  return page(
    'Log in',
    `${message}
<form method="post" action="/login">
  <p><label>Username <input name="username" id="username" autocomplete="username" value="${escapeHtml(username)}"></label></p>
  <p><label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label></p>
  <p><button type="submit" id="submit">Log in</button></p>
</form>
<p>The only account is <code>rasmus</code> with password <code>default</code>.</p>`,
    panelOf(req)
  )
}

/** Take the request's session cookie apart and look the session up. */
function inspect(
  req: Request,
  secret: string,
  store: Store,
  callback: (err: unknown, inspection?: Inspection) => void
): void {
  const header = req.headers.cookie ?? null
  const value = header ? (cookie.parse(header)[COOKIE_NAME] ?? null) : null
  const parts = value ? splitSigned(value) : null
  const verifies = value !== null && parts !== null && signature.unsign(value.slice(2), secret) === parts.id
  const base = {
    cookieHeader: header,
    cookieValue: value,
    parts,
    signatureVerifies: verifies,
    sessionId: req.sessionID
  }
  const cookieData = req.session ? req.session.cookie.data : null
  if (!verifies || !parts) return callback(null, { ...base, stored: null, cookie: cookieData })
  store.get(parts.id, (err, stored) => {
    if (err) return callback(err)
    callback(null, { ...base, stored: stored ?? null, cookie: cookieData })
  })
}

/** The inspector's page body. */
function inspectHtml(i: Inspection): string {
  const row = (label: string, value: string) => `<tr><th>${label}</th><td>${value}</td></tr>`
  const parts = i.parts
    ? row('prefix', `<code>${escapeHtml(i.parts.prefix)}</code> (signed)`) +
      row('id', `<code id="part-id">${escapeHtml(i.parts.id)}</code>`) +
      row('signature', `<code>${escapeHtml(i.parts.signature)}</code>`)
    : row('parts', 'no signed session cookie was sent')
  return `
<p>This is what your browser sent, and what the server made of it.</p>
<table>
${row('Cookie header', `<code>${escapeHtml(i.cookieHeader ?? '(none)')}</code>`)}
${row(COOKIE_NAME, `<code>${escapeHtml(i.cookieValue ?? '(none)')}</code>`)}
${parts}
${row('signature verifies', `<strong id="verifies">${i.signatureVerifies ? 'yes' : 'no'}</strong>`)}
</table>
<h2>Stored in the store</h2>
${jsonBlock(i.stored)}
<h2>Cookie attributes and expiry</h2>
${jsonBlock(i.cookie)}`
}

// #region demo-visit-log
/** How many paths the visit log keeps. */
export const VISIT_LOG_LENGTH = 10

/**
 * The pages whose visits are logged. Left out on purpose: the login form,
 * which stays a page that only reads its session (chapter 10's race and the
 * torture need one), the JSON twins, which programs call, and everything
 * else, `/favicon.ico` included.
 */
export const LOGGED_PAGES = ['/', '/inspect', '/store', '/headers']

/** Add this request's path to the session's visit log, keeping the last ten. */
function logVisit(req: Request, _res: Response, next: NextFunction): void {
  if (req.session) {
    // a session file edited by hand may hold anything here
    const log = Array.isArray(req.session.visitLog) ? req.session.visitLog : []
    req.session.visitLog = [...log, req.path].slice(-VISIT_LOG_LENGTH)
  }
  next()
}
// #endregion demo-visit-log
