/**
 * `npm run repl`: the companion app, listening as `npm start` has it, inside
 * a Node.js REPL with `app`, `store` and `last` in scope. `last` is the
 * `{ req, res }` of the most recent request, so `last.req.session` can be
 * read while a browser clicks around.
 */
import type http from 'node:http'
import repl from 'node:repl'
import type { Request, Response } from 'express'
import { launch } from './launch.js'

/** The most recent request and its response. */
interface Last {
  req: Request
  res: Response
}

let last: Last | undefined

/**
 * Remember each request before the app sees it. Express gives these very
 * objects its own prototypes and the session middleware sets `req.session`
 * on them, so what is remembered is the app's `req` and `res`.
 */
function remember(listener: http.RequestListener): http.RequestListener {
  return (req, res) => {
    // the icon a browser asks for by itself would push the page's request out of `last`
    if (req.url !== '/favicon.ico') last = { req: req as Request, res: res as Response }
    listener(req, res)
  }
}

const { app, store, url, stop } = await launch(remember)
console.log(`In scope: app (the Express app), store (the session store), last ({ req, res } of the most recent request).
Open ${url}, then try last.req.session, last.req.sessionID or last.res.getHeader('set-cookie'). .exit to stop.`)

const shell = repl.start({ prompt: 'companion> ' })
Object.assign(shell.context, { app, store })
// a getter, so that `last` is always the latest request, not the one when the REPL started
Object.defineProperty(shell.context, 'last', { enumerable: true, get: () => last })
shell.on('exit', stop)
