/**
 * One benchmark server, run as its own process: Express 5 with no session,
 * with express-session 1.19.0, with ours, or with an experiment. Each
 * scenario has its own router, session middleware and MemoryStore:
 *
 *   /new/hit       a fresh session on every request (saveUninitialized: true)
 *   /modified/hit  an existing session changed on every request (a view counter)
 *   /read/hit      an existing session read and not changed (resave: false)
 *   /rolling/hit   an existing session read, with rolling: true
 *
 * and a /<scenario>/setup route that makes the session the benchmark sends back.
 *
 * Usage: `node --import tsx scripts/bench/server.ts ours` (ours through tsx), or the same file
 * compiled by tsc and run with plain `node server.js ours` (see `runtimes.ts`). The argument is
 * one of {@link MODULES}.
 */
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import express from 'express'
import type { Request, RequestHandler, Response } from 'express'
import type ours from '../../src/index.js'
import type { SessionOptions } from '../../src/index.js'

/** What `session` is: ours, express-session's, or an experiment's (they share one signature). */
export type SessionFactory = typeof ours

/** The session modules a server can load; `bare` loads none. */
export const MODULES = ['bare', 'upstream', 'ours', 'hoisted'] as const

/** One of {@link MODULES}. */
export type SessionModule = (typeof MODULES)[number]

/** The scenarios, and the options each one's session middleware gets. */
export const SCENARIOS: Record<string, SessionOptions> = {
  new: { resave: false, saveUninitialized: true },
  modified: { resave: false, saveUninitialized: false },
  read: { resave: false, saveUninitialized: false },
  rolling: { resave: false, saveUninitialized: false, rolling: true }
}

/**
 * Load a session module. The paths are relative to this file, so that the
 * copy tsc compiles loads the compiled `src/`, and this file under tsx the
 * TypeScript one.
 */
export async function loadSession(module: SessionModule): Promise<SessionFactory | undefined> {
  if (module === 'bare') return undefined
  if (module === 'upstream') return createRequire(import.meta.url)('express-session') as SessionFactory
  if (module === 'ours') return (await import('../../src/index.js')).default
  return (await import('./experiments/hoisted.js')).default
}

type Counter = { views?: number }

/** The route each scenario measures. */
function hit(scenario: string): RequestHandler {
  return (req: Request, res: Response) => {
    const sess = (req as { session?: Counter }).session
    if (scenario === 'modified' && sess) sess.views = (sess.views ?? 0) + 1
    res.end(sess ? String(sess.views ?? 0) : 'ok')
  }
}

/** Build the app around one session function (none for Express alone). */
export function benchApp(session: SessionFactory | undefined): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  for (const [scenario, options] of Object.entries(SCENARIOS)) {
    const router = express.Router()
    if (session)
      router.use(
        session({
          secret: 'benchmark secret',
          store: new session.MemoryStore(),
          cookie: { maxAge: 3_600_000 },
          ...options
        })
      )
    router.get('/setup', (req, res) => {
      const sess = (req as { session?: Counter }).session
      if (sess) sess.views = 0
      res.end('ready')
    })
    router.get('/hit', hit(scenario))
    app.use(`/${scenario}`, router)
  }
  return app
}

/**
 * What a server tells the benchmark once it listens: its port, and how it
 * runs, so that the benchmark can check a variant is what its label says.
 */
export interface ServerReady {
  port: number
  /** Whether the session module's code carries esbuild's `__name` calls, the sign of tsx's keepNames. */
  keepNames: boolean
  /** Whether Node.js maps stack traces through source maps (tsx turns it on). */
  sourceMaps: boolean
}

/** Whether a function's source shows esbuild's keepNames helper, as tsx emits it. */
export function hasKeepNames(fn: unknown): boolean {
  return typeof fn === 'function' && fn.toString().includes('__name(')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const module = process.argv[2] as SessionModule
  if (!MODULES.includes(module)) {
    console.error(`usage: server.ts ${MODULES.join('|')}`)
    process.exit(2)
  }
  const session = await loadSession(module)
  const server = benchApp(session).listen(0, '127.0.0.1', () => {
    const ready: ServerReady = {
      port: (server.address() as AddressInfo).port,
      keepNames: hasKeepNames(session),
      sourceMaps: process.sourceMapsEnabled
    }
    if (process.send) process.send(ready)
    else console.log(`listening on 127.0.0.1:${ready.port}`)
  })
  process.on('disconnect', () => process.exit(0))
}
