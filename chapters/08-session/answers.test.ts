/**
 * Chapter 08's challenges, answered as tests against both implementations.
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { countVisits, sessionApp } from '../../test/support/apps.js'
import { cookieHeader, parseSetCookie, setCookies } from '../../test/support/cookies.js'
import { implementations } from '../../test/support/implementations.js'

describe.each(implementations)('$name', ({ session }) => {
  // #region answer-logout
  it('a logout that destroys the session and clears the cookie in the browser too', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(
      session,
      { store },
      {
        respond: (req, res, next) => {
          if (req.path !== '/logout') return countVisits(req, res)
          req.session.destroy((err) => {
            if (err) return next(err)
            res.clearCookie('connect.sid', { path: '/' }) // the name and path the cookie was set with
            res.end('logged out')
          })
        }
      }
    )
    const first = await client.get('/').expect(200, '1')
    const out = await client.get('/logout').set('Cookie', cookieHeader(first)).expect(200, 'logged out')

    const cleared = setCookies(out).map(parseSetCookie)
    expect(cleared).toEqual([
      { name: 'connect.sid', value: '', attributes: { path: '/', expires: 'Thu, 01 Jan 1970 00:00:00 GMT' } }
    ])
    expect(store.sessions).toEqual({})
  })
  // #endregion answer-logout

  // #region answer-regenerate-cookie
  it("regenerate keeps nothing, not even the cookie's maxAge: set it again on the new session", async () => {
    const thirtyDays = 30 * 24 * 60 * 60 * 1000
    // the clock is held, so no millisecond passes between setting maxAge and reading what is left (chapter 07)
    vi.useFakeTimers({ toFake: ['Date'] })
    onTestFinished(() => void vi.useRealTimers())
    const { client } = await sessionApp(
      session,
      { cookie: { maxAge: 60 * 60 * 1000 } },
      {
        respond: (req, res, next) => {
          req.session.cookie.maxAge = thirtyDays // on the old session: lost with it
          req.session.regenerate((err) => {
            if (err) return next(err)
            const afterRegenerate = req.session.cookie.originalMaxAge
            req.session.cookie.maxAge = thirtyDays // on the new one: kept
            res.json({ afterRegenerate, now: req.session.cookie.originalMaxAge })
          })
        }
      }
    )
    const res = await client.get('/')
    expect(res.body).toEqual({ afterRegenerate: 60 * 60 * 1000, now: thirtyDays })
  })
  // #endregion answer-regenerate-cookie
})
