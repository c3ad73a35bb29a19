/**
 * Chapter 11 — runnable answers to the chapter's challenges, on both
 * implementations: what happens to data written before `regenerate`.
 */
import type { NextFunction, Request, Response } from 'express'
import { describe, expect, it } from 'vitest'
import { sessionApp } from '../../test/support/apps.js'
import { cookieHeader, sessionId } from '../../test/support/cookies.js'
import { implementations } from '../../test/support/implementations.js'

/** The session as the app's data. */
function data(req: Request): { user?: string } {
  return req.session
}

describe.each(implementations)('$name', ({ session }) => {
  // #region answer-regenerate-order
  it('a login that writes the user before regenerate loses it: regenerate gives the request a new, empty session', async () => {
    const { client } = await sessionApp(
      session,
      {},
      {
        respond: (req: Request, res: Response, next: NextFunction) => {
          if (req.method !== 'POST') return void res.end(data(req).user ?? 'anonymous')
          data(req).user = 'rasmus' // too early: this session is about to be thrown away
          req.session.regenerate((err) => {
            if (err) return next(err)
            req.session.save((saveErr) => (saveErr ? next(saveErr) : res.end('welcome')))
          })
        }
      }
    )
    const before = await client.get('/')
    const login = await client.post('/').set('Cookie', cookieHeader(before)).expect(200, 'welcome')
    expect(sessionId(login)).not.toBe(sessionId(before))
    await client.get('/').set('Cookie', cookieHeader(login)).expect(200, 'anonymous')
  })
  // #endregion answer-regenerate-order
})
