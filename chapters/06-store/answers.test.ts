/**
 * Chapter 06's challenges, answered as tests against both implementations.
 */
import { describe, expect, it } from 'vitest'
import { sessionApp } from '../../test/support/apps.js'
import { cookieHeader } from '../../test/support/cookies.js'
import { implementations } from '../../test/support/implementations.js'
import type { SessionData, SessionRequest } from '../../src/index.js'

describe.each(implementations)('$name', ({ session }) => {
  // #region answer-no-original-max-age
  it('without a stored originalMaxAge, the first touch leaves the cookie with no expiry at all', () => {
    const store = new session.MemoryStore()
    const req = { sessionID: 'abc', sessionStore: store } as unknown as SessionRequest
    const inAnHour = new Date(Date.now() + 60 * 60 * 1000).toISOString()
    // what a store might return: the expiry, but no originalMaxAge
    const sess = store.createSession(req, { cookie: { expires: inAnHour, httpOnly: true, path: '/' } } as SessionData)
    expect(sess.cookie.expires).toEqual(new Date(inAnHour))

    sess.touch() // what the middleware does at the end of every response

    expect([sess.cookie.expires, sess.cookie.maxAge, sess.cookie.originalMaxAge]).toEqual([
      undefined,
      undefined,
      undefined
    ])
    expect(sess.cookie.serialize('connect.sid', 'value')).toBe('connect.sid=value; Path=/; HttpOnly')
  })
  // #endregion answer-no-original-max-age

  // #region answer-shared-object
  it('a store that hands out its own object sees a nested change before any save, and its cookie replaced', async () => {
    const store = new session.Store()
    const kept = new Map<string, SessionData>()
    store.get = (sid, cb) => setImmediate(() => cb(null, kept.get(sid))) // the object itself, no copy
    store.set = (sid, sess, cb) => {
      kept.set(sid, JSON.parse(JSON.stringify(sess)) as SessionData)
      setImmediate(() => cb?.())
    }
    store.destroy = (sid, cb) => {
      kept.delete(sid)
      setImmediate(() => cb?.())
    }
    const { client } = await sessionApp(
      session,
      { store },
      {
        respond: (req, res) => {
          const data = req.session as unknown as { cart?: { items: string[] } }
          if (!data.cart) {
            data.cart = { items: ['apple'] }
            return res.end('new')
          }
          data.cart.items.push('pear') // a change inside a nested object, not yet saved
          const held = kept.get(req.sessionID) as unknown as { cart: { items: string[] }; cookie: object }
          res.json({ items: held.cart.items, cookieIsACookie: held.cookie instanceof session.Cookie })
        }
      }
    )
    const first = await client.get('/').expect(200, 'new')
    const second = await client.get('/').set('Cookie', cookieHeader(first))
    expect(second.body).toEqual({ items: ['apple', 'pear'], cookieIsACookie: true })
  })
  // #endregion answer-shared-object
})
