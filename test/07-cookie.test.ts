/**
 * Chapter 07 — Cookie: defaults, expires and maxAge, originalMaxAge, data,
 * serialize, and the Set-Cookie attributes each option produces. Each test
 * runs against ours and express-session 1.19.0.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sessionApp } from './support/apps.js'
import { cookieHeader, parseSetCookie, sessionCookie } from './support/cookies.js'
import { implementations } from './support/implementations.js'
import type { CookieOptions } from '../src/index.js'

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0)

describe.each(implementations)('$name', ({ session }) => {
  const { Cookie } = session

  describe('a Cookie object', () => {
    beforeEach(() => {
      vi.useFakeTimers({ now: NOW, toFake: ['Date'] })
    })
    afterEach(() => {
      vi.useRealTimers()
    })

    it('starts as Path=/, HttpOnly, with no expiry', () => {
      const cookie = new Cookie()
      expect([cookie.path, cookie.httpOnly, cookie.maxAge, cookie.expires, cookie.originalMaxAge]).toEqual([
        '/',
        true,
        null,
        null,
        null
      ])
    })

    it('takes every option given, except one called data', () => {
      const cookie = new Cookie({
        path: '/admin',
        httpOnly: false,
        domain: 'example.org',
        data: 'ignored'
      } as CookieOptions)
      expect([cookie.path, cookie.httpOnly, cookie.domain]).toEqual(['/admin', false, 'example.org'])
      expect(cookie.data).not.toBe('ignored')
    })

    it('refuses options that are not an object', () => {
      expect(() => new Cookie('maxAge=5' as never)).toThrow(new TypeError('argument options must be a object'))
    })

    it('maxAge sets expires to now + maxAge, and reads back the time left', () => {
      const cookie = new Cookie({ maxAge: 60_000 })
      expect(cookie.expires).toEqual(new Date(NOW + 60_000))
      vi.setSystemTime(NOW + 15_000)
      expect(cookie.maxAge).toBe(45_000)
    })

    it('originalMaxAge remembers the maxAge the cookie was given', () => {
      const cookie = new Cookie({ maxAge: 60_000 })
      vi.setSystemTime(NOW + 15_000)
      expect([cookie.originalMaxAge, cookie.maxAge]).toEqual([60_000, 45_000])
    })

    it('an explicit originalMaxAge option is kept', () => {
      const cookie = new Cookie({ maxAge: 1000, originalMaxAge: 5000 })
      expect(cookie.originalMaxAge).toBe(5000)
    })

    it('setting expires records the time left as originalMaxAge', () => {
      const cookie = new Cookie()
      cookie.expires = new Date(NOW + 10_000)
      expect([cookie.maxAge, cookie.originalMaxAge]).toEqual([10_000, 10_000])
    })

    it('an expires option gives the same result as the equivalent maxAge', () => {
      const a = new Cookie({ expires: new Date(NOW + 10_000) })
      const b = new Cookie({ maxAge: 10_000 })
      expect(a.data).toEqual(b.data)
    })

    it('of maxAge and expires, the option listed last wins', () => {
      expect(new Cookie({ maxAge: 1000, expires: new Date(NOW + 9000) }).maxAge).toBe(9000)
      expect(new Cookie({ expires: new Date(NOW + 9000), maxAge: 1000 }).maxAge).toBe(1000)
    })

    it('maxAge = null makes it a browser-session cookie again', () => {
      const cookie = new Cookie({ maxAge: 1000 })
      cookie.maxAge = null
      expect([cookie.expires, cookie.maxAge]).toEqual([null, null])
    })

    it('maxAge refuses a value that is neither a number nor a Date', () => {
      expect(() => new Cookie({ maxAge: '1000' as never })).toThrow(new TypeError('maxAge must be a number or Date'))
    })

    it('maxAge as a Date still works but is deprecated', () => {
      const seen: string[] = []
      const listener = (err: Error) => seen.push(err.message)
      process.on('deprecation', listener)
      try {
        const cookie = new Cookie()
        cookie.maxAge = new Date(NOW + 3000)
        expect(cookie.expires).toEqual(new Date(NOW + 3000))
      } finally {
        process.off('deprecation', listener)
      }
      expect(seen).toEqual(['maxAge as Date; pass number of milliseconds instead'])
    })

    it('data lists the attributes in a fixed order, expires as a Date', () => {
      const cookie = new Cookie({
        maxAge: 1000,
        secure: true,
        sameSite: 'lax',
        domain: 'example.org',
        priority: 'high',
        partitioned: true
      })
      expect(Object.entries(cookie.data)).toEqual([
        ['originalMaxAge', 1000],
        ['partitioned', true],
        ['priority', 'high'],
        ['expires', new Date(NOW + 1000)],
        ['secure', true],
        ['httpOnly', true],
        ['domain', 'example.org'],
        ['path', '/'],
        ['sameSite', 'lax']
      ])
    })

    it('JSON.stringify writes data, with expires as an ISO string', () => {
      const json: unknown = JSON.parse(JSON.stringify(new Cookie({ maxAge: 1000 })))
      expect(json).toEqual({
        originalMaxAge: 1000,
        expires: new Date(NOW + 1000).toISOString(),
        httpOnly: true,
        path: '/'
      })
    })

    it('its own enumerable properties are path, _expires, originalMaxAge and httpOnly', () => {
      expect(Object.keys(new Cookie())).toEqual(['path', '_expires', 'originalMaxAge', 'httpOnly'])
    })

    it("its accessors and methods are enumerable on the prototype, as upstream's object literal makes them", () => {
      const seen: string[] = []
      for (const key in new Cookie()) seen.push(key)
      expect(seen).toEqual([
        'path',
        '_expires',
        'originalMaxAge',
        'httpOnly',
        'expires',
        'maxAge',
        'data',
        'serialize',
        'toJSON'
      ])
    })
  })

  describe('serialize(name, value)', () => {
    beforeEach(() => {
      vi.useFakeTimers({ now: NOW, toFake: ['Date'] })
    })
    afterEach(() => {
      vi.useRealTimers()
    })

    it.each<[string, CookieOptions, string]>([
      ['defaults', {}, 'sid=v; Path=/; HttpOnly'],
      ['maxAge', { maxAge: 60_000 }, 'sid=v; Path=/; Expires=Thu, 01 Jan 2026 12:01:00 GMT; HttpOnly'],
      [
        'expires in the past',
        { expires: new Date(0) },
        'sid=v; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly'
      ],
      ['domain', { domain: 'example.org' }, 'sid=v; Domain=example.org; Path=/; HttpOnly'],
      ['path', { path: '/admin' }, 'sid=v; Path=/admin; HttpOnly'],
      ['httpOnly off', { httpOnly: false }, 'sid=v; Path=/'],
      ['secure', { secure: true }, 'sid=v; Path=/; HttpOnly; Secure'],
      ['sameSite true', { sameSite: true }, 'sid=v; Path=/; HttpOnly; SameSite=Strict'],
      ['sameSite strict', { sameSite: 'strict' }, 'sid=v; Path=/; HttpOnly; SameSite=Strict'],
      ['sameSite lax', { sameSite: 'lax' }, 'sid=v; Path=/; HttpOnly; SameSite=Lax'],
      ['sameSite none', { sameSite: 'none' }, 'sid=v; Path=/; HttpOnly; SameSite=None'],
      ['sameSite false', { sameSite: false }, 'sid=v; Path=/; HttpOnly'],
      ['priority low', { priority: 'low' }, 'sid=v; Path=/; HttpOnly; Priority=Low'],
      ['priority medium', { priority: 'medium' }, 'sid=v; Path=/; HttpOnly; Priority=Medium'],
      ['priority high', { priority: 'high' }, 'sid=v; Path=/; HttpOnly; Priority=High'],
      ['partitioned', { partitioned: true }, 'sid=v; Path=/; HttpOnly; Partitioned'],
      ['partitioned off', { partitioned: false }, 'sid=v; Path=/; HttpOnly']
    ])('%s', (_label, options, expected) => {
      expect(new Cookie(options).serialize('sid', 'v')).toBe(expected)
    })

    it('percent-encodes the value', () => {
      expect(new Cookie().serialize('sid', 's:a b/c')).toBe('sid=s%3Aa%20b%2Fc; Path=/; HttpOnly')
    })

    it.each<[string, CookieOptions, string]>([
      ['an unknown priority', { priority: 'urgent' as never }, 'option priority is invalid'],
      ['an unknown sameSite', { sameSite: 'sometimes' as never }, 'option sameSite is invalid'],
      ['an invalid date', { expires: new Date(NaN) }, 'option expires is invalid'],
      ['a domain with a space', { domain: 'exa mple.org' }, 'option domain is invalid']
    ])('throws for %s', (_label, options, message) => {
      expect(() => new Cookie(options).serialize('sid', 'v')).toThrow(new TypeError(message))
    })
  })

  describe('in Set-Cookie', () => {
    it('every cookie option reaches the header', async () => {
      const cookie: CookieOptions = {
        path: '/admin',
        domain: 'example.org',
        httpOnly: false,
        maxAge: 5000,
        sameSite: 'strict',
        priority: 'high',
        partitioned: true
      }
      const { client } = await sessionApp(session, { cookie })
      const res = await client.get('/admin').expect(200)
      const parsed = sessionCookie(res)
      expect(parsed?.attributes).toEqual({
        path: '/admin',
        domain: 'example.org',
        expires: expect.any(String) as unknown,
        samesite: 'Strict',
        priority: 'High',
        partitioned: true
      })
    })

    it('the route can change the cookie of its session', async () => {
      const { client } = await sessionApp(
        session,
        { proxy: true, cookie: { maxAge: 5000, secure: true } },
        {
          respond: (req, res) => {
            req.session.cookie.httpOnly = false
            req.session.cookie.secure = false
            req.session.cookie.expires = new Date(0)
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(sessionCookie(res)?.attributes).toEqual({ path: '/', expires: 'Thu, 01 Jan 1970 00:00:00 GMT' })
    })

    it('a cookie(req) function can give each request its own attributes', async () => {
      const { client } = await sessionApp(session, {
        cookie: (req) => (req.url === '/remember' ? { maxAge: 30 * 24 * 3600 * 1000 } : {})
      })
      const remembered = sessionCookie(await client.get('/remember'))
      const forgotten = sessionCookie(await client.get('/'))
      expect([typeof remembered?.attributes.expires, typeof forgotten?.attributes.expires]).toEqual([
        'string',
        'undefined'
      ])
    })

    it('expires set to null by the route gives a browser-session cookie', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            req.session.cookie.expires = null
            res.end()
          }
        }
      )
      const res = await client.get('/')
      expect(parseSetCookie((res.headers['set-cookie'] as unknown as string[])[0]).attributes.expires).toBeUndefined()
    })
  })
})

describe.each(implementations)('$name: more of the Cookie', ({ session }) => {
  const { Cookie } = session

  afterEach(() => {
    vi.restoreAllMocks()
    vi.useRealTimers()
  })

  it('maxAge accepts false and an empty string, and stores them as expires: no Expires attribute', () => {
    const seen = [false, ''].map((value) => {
      const cookie = new Cookie({ maxAge: value as never })
      return [cookie.expires, cookie.maxAge, cookie.serialize('sid', 'v')]
    })
    expect(seen).toEqual([
      [false, false, 'sid=v; Path=/; HttpOnly'],
      ['', '', 'sid=v; Path=/; HttpOnly']
    ])
  })

  it("a cookie's constructor property is Object: the object literal replaced the prototype that held Cookie", () => {
    expect([new Cookie().constructor === Object, new Cookie() instanceof Cookie]).toEqual([true, true])
  })

  it('originalMaxAge is the time left when expires is set: a millisecond between the two clock reads is lost', () => {
    let now = NOW
    vi.spyOn(Date, 'now').mockImplementation(() => now++)
    const cookie = new Cookie({ maxAge: 60_000 })
    expect((cookie.expires as Date).getTime()).toBe(NOW + 60_000)
    expect(cookie.originalMaxAge).toBeLessThan(60_000)
  })

  it("the constructor's last step fills in an originalMaxAge given as null after maxAge", () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] })
    expect(new Cookie({ maxAge: 5000, originalMaxAge: null }).originalMaxAge).toBe(5000)
  })

  it('a Cookie made by hand keeps "auto" as given: secure: "auto" serialises as Secure, sameSite: "auto" throws', () => {
    expect(new Cookie({ secure: 'auto' }).serialize('sid', 'v')).toBe('sid=v; Path=/; HttpOnly; Secure')
    expect(() => new Cookie({ sameSite: 'auto' }).serialize('sid', 'v')).toThrow(
      new TypeError('option sameSite is invalid')
    )
  })

  it('a cookie(req) function is called twice for a new session: once for the path check, once to build its cookie', async () => {
    const urls: string[] = []
    const { client } = await sessionApp(session, {
      cookie: (req) => {
        urls.push(req.url ?? '')
        return { maxAge: 60_000 }
      }
    })
    await client.get('/first').expect(200)
    expect(urls).toEqual(['/first', '/first'])
  })

  it('a loaded session keeps the cookie it was stored with; the cookie(req) function then only decides the path check', async () => {
    let calls = 0
    const { client } = await sessionApp(
      session,
      {
        rolling: true,
        cookie: (req) => {
          calls++
          if (req.url === '/long') return { maxAge: 100_000 }
          if (req.url === '/elsewhere') return { path: '/admin' }
          return { maxAge: 1000 }
        }
      },
      {
        respond: (req, res) => {
          if (!req.session) return res.end('no session')
          // the hundred-second cookie or the one-second one (a millisecond may be lost, see above)
          res.end(Number(req.session.cookie.originalMaxAge) > 50_000 ? 'long' : 'short')
        }
      }
    )
    const first = await client.get('/long').expect(200, 'long')
    calls = 0
    const loaded = await client.get('/short').set('Cookie', cookieHeader(first)).expect(200, 'long')
    const lifetime = Date.parse(sessionCookie(loaded)?.attributes.expires as string) - Date.parse(loaded.headers.date)
    await client.get('/elsewhere').set('Cookie', cookieHeader(first)).expect(200, 'no session')
    // rolling re-sent the cookie: with the stored hundred seconds, not the function's one second
    expect([calls, Math.abs(lifetime - 100_000) <= 1000]).toEqual([2, true])
  })

  it('with the default cookie options, the session cookie has Path=/ and HttpOnly, and no SameSite, Secure or Expires', async () => {
    const { client } = await sessionApp(session, { cookie: undefined })
    const res = await client.get('/').expect(200)
    expect(sessionCookie(res)?.attributes).toEqual({ path: '/', httponly: true })
  })
})

describe.each(implementations)('$name', ({ session }) => {
  it('an originalMaxAge of null or undefined, given after maxAge, falls back to maxAge', () => {
    for (const originalMaxAge of [null, undefined]) {
      const cookie = new session.Cookie({ maxAge: 1000, originalMaxAge })
      // maxAge becomes an expiry date and is read back, so a millisecond may pass in between
      expect([999, 1000]).toContain(cookie.originalMaxAge)
    }
  })
})

describe.each(implementations)('$name: the order of the options', ({ session }) => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('an originalMaxAge option listed before maxAge is overwritten by it; listed after, it is kept', () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] })
    const before = new session.Cookie({ originalMaxAge: 5000, maxAge: 1000 })
    const after = new session.Cookie({ maxAge: 1000, originalMaxAge: 5000 })
    expect([before.originalMaxAge, after.originalMaxAge]).toEqual([1000, 5000])
  })
})
