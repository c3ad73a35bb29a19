/**
 * Chapter 03 — the answers to the chapter's challenges, as tests, on both
 * implementations.
 */
import { describe, expect, it } from 'vitest'
import { sessionApp, eventually } from '../../test/support/apps.js'
import { sessionCookie, setCookies } from '../../test/support/cookies.js'
import { implementations } from '../../test/support/implementations.js'

// #region answer-auto-by-hand
// an application imports these types from 'express-session-annotated'
import type { CookieOptions, SessionRequest } from '../../src/index.js'

/**
 * Cookie options decided per request, doing by hand what 'auto' does for a cookie object.
 * Only behind a proxy that sets X-Forwarded-Proto (and with proxy: true): a client could send it too.
 */
function cookieFor(req: SessionRequest): CookieOptions {
  const proto = String(req.headers['x-forwarded-proto'] ?? '')
  const overHttps = proto.split(',')[0].trim().toLowerCase() === 'https'
  return { maxAge: 60_000, secure: overHttps, sameSite: overHttps ? 'none' : 'lax' }
}
// #endregion answer-auto-by-hand

describe.each(implementations)('chapter 03 challenges ($name)', ({ session }) => {
  it('a cookie function returning real values: Lax over HTTP, Secure and None over HTTPS', async () => {
    const { client } = await sessionApp(session, { proxy: true, cookie: cookieFor })
    const overHttp = sessionCookie(await client.get('/').expect(200))
    expect([overHttp?.attributes.samesite, overHttp?.attributes.secure]).toEqual(['Lax', undefined])
    const overHttps = sessionCookie(await client.get('/').set('X-Forwarded-Proto', 'https').expect(200))
    expect([overHttps?.attributes.samesite, overHttps?.attributes.secure]).toEqual(['None', true])
  })

  it('an unknown sameSite in a cookie object: no cookie, and the error reaches next after the response', async () => {
    const { client, lateErrors } = await sessionApp(session, { cookie: { sameSite: 'sometimes' as never } })
    const res = await client.get('/').expect(200)
    expect(setCookies(res)).toEqual([])
    await eventually(() => expect((lateErrors[0] as Error)?.message).toBe('option sameSite is invalid'))
  })
})
