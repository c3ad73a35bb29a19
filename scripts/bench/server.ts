/**
 * One benchmark server, run as its own process: Express 5 with no session,
 * with express-session 1.19.0, or with ours. Each scenario has its own
 * router, session middleware and MemoryStore:
 *
 *   /new/hit       a fresh session on every request (saveUninitialized: true)
 *   /modified/hit  an existing session changed on every request (a view counter)
 *   /read/hit      an existing session read and not changed (resave: false)
 *   /rolling/hit   an existing session read, with rolling: true
 *
 * and a /<scenario>/setup route that makes the session the benchmark sends back.
 * Usage: node --import tsx scripts/bench/server.ts bare|upstream|ours
 */
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { Request, RequestHandler, Response } from 'express'
import ours, { type SessionOptions } from '../../src/index.js'

/** The session modules a benchmark can compare. */
export type Variant = 'bare' | 'upstream' | 'ours'

/** The scenarios, and the options each one's session middleware gets. */
export const SCENARIOS: Record<string, SessionOptions> = {
  new: { resave: false, saveUninitialized: true },
  modified: { resave: false, saveUninitialized: false },
  read: { resave: false, saveUninitialized: false },
  rolling: { resave: false, saveUninitialized: false, rolling: true }
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

/** Build the app for one variant. */
export function benchApp(variant: Variant): express.Express {
  const session =
    variant === 'ours'
      ? ours
      : variant === 'upstream'
        ? (createRequire(import.meta.url)('express-session') as typeof ours)
        : undefined
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

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const variant = process.argv[2] as Variant
  if (!['bare', 'upstream', 'ours'].includes(variant)) {
    console.error('usage: server.ts bare|upstream|ours')
    process.exit(2)
  }
  const server = benchApp(variant).listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo
    if (process.send) process.send({ port })
    else console.log(`listening on 127.0.0.1:${port}`)
  })
  process.on('disconnect', () => process.exit(0))
}
