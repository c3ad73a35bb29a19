/**
 * Chapter 07's challenges, answered as tests against both implementations.
 */
import express, { type NextFunction, type Request, type Response } from 'express'
import { describe, expect, it } from 'vitest'
import { sessionApp } from '../../test/support/apps.js'
import { cookieHeader, sessionCookie } from '../../test/support/cookies.js'
import { serve } from '../../test/support/http.js'
import { implementations } from '../../test/support/implementations.js'

describe.each(implementations)('$name', ({ session }) => {
  // #region answer-remember-me
  it('remember me: the login route sets maxAge on its session, and the response carries a 30-day Expires', async () => {
    const thirtyDays = 30 * 24 * 60 * 60 * 1000
    const { client } = await sessionApp(
      session,
      { resave: false, saveUninitialized: true, cookie: {} }, // browser-session cookies by default
      {
        respond: (req, res) => {
          if (req.path === '/login') {
            Object.assign(req.session, { user: 'rasmus' })
            if (req.query.remember === '1') req.session.cookie.maxAge = thirtyDays
          }
          res.end()
        }
      }
    )
    const visit = await client.get('/') // an existing session, made before the login
    expect(sessionCookie(visit)?.attributes.expires).toBeUndefined()

    const login = await client.get('/login?remember=1').set('Cookie', cookieHeader(visit))
    const expires = Date.parse(sessionCookie(login)?.attributes.expires as string)
    expect(Math.abs(expires - Date.parse(login.headers.date) - thirtyDays)).toBeLessThanOrEqual(1000)
  })
  // #endregion answer-remember-me

  // #region answer-max-age-from-env
  it('maxAge as a string: every new session fails, and even the error page cannot be sent', async () => {
    const seen: string[] = []
    const app = express()
    app.use(
      session({
        secret: 'keyboard cat',
        resave: false,
        saveUninitialized: true,
        cookie: { maxAge: '3600000' as never }
      })
    )
    app.use((_req: Request, res: Response) => res.end('never reached'))
    // Express knows an error handler by its four parameters, so the unused fourth stays
    app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
      seen.push(err.message)
      try {
        res.status(500).end('Something broke') // the res.end proxy touches a session that has no cookie
      } catch (thrown) {
        seen.push((thrown as Error).message)
        req.socket.destroy() // what is left of the response: nothing
      }
    })
    const { client } = await serve(app)
    await expect(client.get('/')).rejects.toThrow(/socket hang up/)
    expect(seen).toEqual(['maxAge must be a number or Date', expect.stringMatching(/originalMaxAge/)])
  })

  it('maxAge from an environment variable that is not set: no expiry at all', async () => {
    const { client } = await sessionApp(session, { cookie: { maxAge: undefined } })
    const res = await client.get('/').expect(200)
    expect(sessionCookie(res)?.attributes.expires).toBeUndefined()
  })
  // #endregion answer-max-age-from-env
})
