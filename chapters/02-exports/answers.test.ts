/**
 * Chapter 02 — the answers to the chapter's challenges, as tests.
 */
import { describe, it } from 'vitest'
import { serve } from '../../test/support/http.js'
import { cookieHeader } from '../../test/support/cookies.js'
// #region answer-bare-handler
import http from 'node:http'
// an application imports these from 'express-session-annotated' (or 'express-session', installed as the alias)
import session, { type SessionedRequest } from '../../src/index.js'

// the application's own field, merged into SessionData (declared under the name it imports from)
declare module '../../src/index.js' {
  interface SessionData {
    views: number
  }
}

/** A server with no Express: the session middleware, then a handler that counts visits. */
function visitCounter(): http.Server {
  const middleware = session({ secret: 'keyboard cat', resave: false, saveUninitialized: false })

  function countVisits(req: SessionedRequest, res: http.ServerResponse) {
    // the session is there (the type says so); its fields may not be yet: views is number | undefined
    req.session.views = (req.session.views ?? 0) + 1
    res.end(`visit ${req.session.views}`)
  }

  return http.createServer((req, res) => {
    middleware(req, res, (err) => {
      if (err) {
        // no secret, or a store that failed: no session to count in
        res.statusCode = 500
        res.end('session unavailable')
        return
      }
      // after next() without an error, the middleware has attached a session
      countVisits(req as SessionedRequest, res)
    })
  })
}
// #endregion answer-bare-handler

describe('chapter 02 challenges', () => {
  it('a bare node:http server counts visits with a handler typed SessionedRequest', async () => {
    const { client } = await serve(visitCounter())
    const first = await client.get('/').expect(200, 'visit 1')
    await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'visit 2')
  })
})
