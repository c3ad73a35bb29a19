/**
 * Chapter 05's challenges, answered as tests against both implementations.
 */
import { describe, expect, it } from 'vitest'
import { sessionApp } from '../../test/support/apps.js'
import { cookieHeader, sessionCookie } from '../../test/support/cookies.js'
import { implementations } from '../../test/support/implementations.js'
import { countCalls } from '../../test/support/stores.js'

describe.each(implementations)('$name', ({ session }) => {
  // #region answer-inactivity
  it('rolling with a 30-minute maxAge: a request that only reads renews the cookie and touches the store', async () => {
    const store = new session.MemoryStore()
    const calls = countCalls(store, 'set', 'touch')
    const halfAnHour = 30 * 60 * 1000
    const { client } = await sessionApp(
      session,
      { store, resave: false, saveUninitialized: false, rolling: true, cookie: { maxAge: halfAnHour } },
      {
        respond: (req, res) => {
          if (req.path === '/login') Object.assign(req.session, { user: 'rasmus' })
          res.end()
        }
      }
    )
    const login = await client.get('/login')
    const read = await client.get('/').set('Cookie', cookieHeader(login))

    // the browser: a new Expires, half an hour after this response (both headers count whole seconds)
    const expires = Date.parse(sessionCookie(read)?.attributes.expires as string)
    expect(Math.abs(expires - Date.parse(read.headers.date) - halfAnHour)).toBeLessThanOrEqual(1000)
    // the store: saved at the login, touched by the read
    expect(calls).toEqual({ set: 1, touch: 1 })
  })
  // #endregion answer-inactivity
})
