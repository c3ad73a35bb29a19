/**
 * The consumer's app: Express with the session middleware of the package
 * installed as `express-session`, and the routes of idioms.ts. check-serve.mjs
 * runs the compiled app.
 */
import express from 'express'
import session from 'express-session'
import { options, routes } from './idioms.js'

/** The app, ready to listen. */
export function createApp(): express.Express {
  const app = express()
  app.use(session(options))
  app.use(routes)
  return app
}
