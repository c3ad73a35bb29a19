/**
 * The Express 5 app most tests use: optional setup middleware, the session
 * middleware under test, the route's handler, and an error handler that
 * answers 500 with the error's message (or, when the response has already
 * gone out, records the error for the test to inspect).
 */
import http from 'node:http'
import express from 'express'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { afterEach, beforeEach } from 'vitest'
import type { SessionOptions } from '../../src/index.js'
import { serve, type Served } from './http.js'
import type { SessionModule } from './implementations.js'

/** An app under test, already listening, with the errors it saw after responding. */
export interface SessionApp extends Served {
  app: express.Express
  /** Errors passed to `next(err)` after the response had been sent. */
  lateErrors: unknown[]
}

/** Options for {@link sessionApp}. */
export interface AppParts {
  /** Called on the app before any middleware is added (for settings such as `trust proxy`). */
  configure?: (app: express.Express) => void
  /** Runs before the session middleware (to fake `req.secure`, cookie-parser, …). */
  setup?: RequestHandler
  /** Answers the request once the session is attached; `res.end()` by default. */
  respond?: (req: Request, res: Response, next: NextFunction) => void
}

/** The options tests start from: a secret, a one-minute cookie, and the documented defaults spelled out. */
export function withDefaults(options: SessionOptions = {}): SessionOptions {
  const opts: SessionOptions = { ...options }
  if (!('secret' in opts)) opts.secret = 'keyboard cat'
  if (!('cookie' in opts)) opts.cookie = { maxAge: 60 * 1000 }
  if (!('resave' in opts)) opts.resave = true
  if (!('saveUninitialized' in opts)) opts.saveUninitialized = true
  return opts
}

/** What the error handlers answer for an error: its message, or the value itself as text. */
function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Build and start an app running `session(withDefaults(options))`. */
export async function sessionApp(
  session: SessionModule,
  options?: SessionOptions,
  parts: AppParts = {}
): Promise<SessionApp> {
  const app = express()
  const lateErrors: unknown[] = []
  parts.configure?.(app)
  if (parts.setup) app.use(parts.setup)
  app.use(session(withDefaults(options)))
  app.use(
    parts.respond ??
      ((_req: Request, res: Response) => {
        res.end()
      })
  )
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      lateErrors.push(err)
      return
    }
    res.status(500).type('text').send(messageOf(err))
  })
  const served = await serve(app)
  return { ...served, app, lateErrors }
}

/** Wait until `check` passes, polling every 5 ms for up to a second. */
export async function eventually(check: () => void): Promise<void> {
  const deadline = Date.now() + 1000
  for (;;) {
    try {
      check()
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
}

/** A step a test controls: the route says it has `entered`, then waits until the test calls `open`. */
export interface Gate {
  open: () => void
  opened: Promise<void>
  enter: () => void
  entered: Promise<void>
}

/** Make a {@link Gate}. */
export function gate(): Gate {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  let enter = () => {}
  const entered = new Promise<void>((resolve) => {
    enter = resolve
  })
  return { open, opened, enter, entered }
}

/**
 * The deprecations depd reports during each test of the `describe` that calls this, as
 * `namespace: message`: with a 'deprecation' listener, depd emits instead of printing. The list
 * is emptied before each test, and the listener removed after it.
 */
export function collectDeprecations(): string[] {
  const seen: string[] = []
  const listener = (err: Error & { namespace?: string }) => {
    seen.push(`${err.namespace}: ${err.message}`)
  }
  beforeEach(() => {
    seen.length = 0
    process.on('deprecation', listener)
  })
  afterEach(() => {
    process.off('deprecation', listener)
  })
  return seen
}

/**
 * Reload the request's session `reloads` times in a row, each reload from the callback of the one
 * before, then answer with `answer` of the distinct messages of the errors the reloads gave. A
 * throw from `reload` answers 500 with its message instead.
 */
export function reloadInARow(req: Request, res: Response, reloads: number, answer: (errors: string[]) => string): void {
  const errors = new Set<string>()
  let left = reloads
  const again = (err?: unknown) => {
    if (err) errors.add((err as Error).message)
    if (left-- === 0) {
      res.end(answer([...errors]))
      return
    }
    try {
      req.session.reload(again)
    } catch (thrown) {
      res.statusCode = 500
      res.end((thrown as Error).message)
    }
  }
  again()
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolve on the event loop's next turn, after every `setImmediate` callback queued before it. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** A bare `node:http` server running the session middleware: no Express at all. */
export async function plainApp(
  session: SessionModule,
  options: SessionOptions | undefined,
  respond: (req: http.IncomingMessage & { session?: unknown; sessionID?: string }, res: http.ServerResponse) => void,
  setup?: (req: http.IncomingMessage, res: http.ServerResponse) => void
): Promise<SessionApp> {
  const middleware = session(withDefaults(options))
  const lateErrors: unknown[] = []
  const listener: http.RequestListener = (req, res) => {
    setup?.(req, res)
    middleware(req, res, (err) => {
      if (err && !res.headersSent) {
        res.statusCode = 500
        res.end(messageOf(err))
        return
      }
      if (err) {
        lateErrors.push(err)
        return
      }
      respond(req, res)
    })
  }
  const served = await serve(listener)
  return { ...served, app: express(), lateErrors }
}

/**
 * What the tests keep in a session, every field optional. The library's
 * `SessionData` does not carry them: an application adds its own fields by
 * augmenting it (demo/app.ts does), and a test file keeps to this one type.
 */
export interface TestData {
  views?: number
  user?: string
  hit?: boolean
  url?: string
  active?: boolean
  n?: number
  a?: number
  b?: number
  owner?: string
  visited?: boolean
  cart?: string[]
  returnTo?: string
  isAdmin?: boolean
  _version?: number
  /** An object that holds a property named `cookie`, deeper in the data than the session's own cookie. */
  nested?: { cookie: number }
}

/** The session of a request (Express's or a bare `node:http` one) as the test's data. */
export function data(req: { session?: unknown }): TestData {
  return req.session as TestData
}

/** Take the session off a request, as an application does with `req.session = null`. */
export function dropSession(req: { session?: unknown }): void {
  ;(req as { session: null }).session = null
}

/** The route most tests use: count visits in the session and answer with the count. */
export function countVisits(req: Request, res: Response): void {
  const sess = data(req)
  sess.views = (sess.views ?? 0) + 1
  res.end(String(sess.views))
}

/** An async route for `sessionApp`'s `respond`: a rejection goes to `next(err)`, as Express 5 does. */
export function route(
  handler: (req: Request, res: Response) => Promise<void>
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    handler(req, res).catch(next)
  }
}

/** A route that reads the session and changes nothing: it answers with the visit count. */
export function readOnly(req: Request, res: Response): void {
  res.end(String(data(req).views))
}
