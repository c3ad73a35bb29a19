/**
 * Chapter 04 — the request flow: everything the middleware does before it
 * calls next(). Each test runs against our implementation and against
 * express-session 1.19.0.
 */
import { createRequire } from 'node:module'
import cookieParser from 'cookie-parser'
import express from 'express'
import type { Request, Response } from 'express'
import signature from 'cookie-signature'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { countVisits, plainApp, sessionApp, type AppParts } from './support/apps.js'
import { cookieHeader, sessionCookie, sessionId, setCookies } from './support/cookies.js'
import { captureDebug, freshImplementations } from './support/fresh.js'
import { serve } from './support/http.js'
import { implementations } from './support/implementations.js'
import { storeSet } from './support/stores.js'
import type { SessionData } from '../src/index.js'

const require = createRequire(import.meta.url)

describe.each(implementations)('$name', ({ session }) => {
  describe('self-awareness', () => {
    it('a request that already has a session passes through untouched', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          setup: (req, _res, next) => {
            ;(req as unknown as { session: object }).session = { mine: true }
            next()
          },
          respond: (req, res) => {
            res.json(req.session)
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(res.body).toEqual({ mine: true })
      expect(setCookies(res)).toEqual([])
    })
  })

  describe('store readiness', () => {
    it('a disconnected store means no session at all', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            res.end(typeof req.session)
          }
        }
      )
      store.emit('disconnect')
      const res = await client.get('/').expect(200, 'undefined')
      expect(setCookies(res)).toEqual([])
    })

    it('sessions come back when the store reconnects', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            res.end(typeof req.session)
          }
        }
      )
      store.emit('disconnect')
      await client.get('/').expect(200, 'undefined')
      store.emit('connect')
      const res = await client.get('/').expect(200, 'object')
      expect(sessionCookie(res)?.name).toBe('connect.sid')
    })
  })

  describe('path mismatch', () => {
    const options = { cookie: { path: '/foo/bar' } }
    const respond = (req: Request, res: Response) => {
      res.end(typeof req.session)
    }

    it('a request outside the cookie path gets no session', async () => {
      const { client } = await sessionApp(session, options, { respond })
      const res = await client.get('/').expect(200, 'undefined')
      expect(setCookies(res)).toEqual([])
    })

    it('a request under the cookie path gets a session', async () => {
      const { client } = await sessionApp(session, options, { respond })
      const res = await client.get('/foo/bar/baz').expect(200, 'object')
      expect(sessionCookie(res)?.attributes.path).toBe('/foo/bar')
    })

    it('the path test is a plain prefix test, so /foo/barn matches /foo/bar', async () => {
      const { client } = await sessionApp(session, options, { respond })
      await client.get('/foo/barn').expect(200, 'object')
    })

    it('the original URL counts, not the one a mounted router sees', async () => {
      const app = express()
      const router = express.Router()
      router.use(
        session({ secret: 'keyboard cat', resave: false, saveUninitialized: true, cookie: { path: '/foo/bar' } })
      )
      router.use(respond)
      app.use('/foo', router)
      const { client } = await serve(app)
      await client.get('/foo/bar').expect(200, 'object')
      await client.get('/foo/foo/bar').expect(200, 'undefined')
    })

    it('an empty req.url is treated as /', async () => {
      const { client } = await plainApp(
        session,
        {},
        (req, res) => {
          res.end(typeof req.session)
        },
        (req) => {
          req.url = ''
        }
      )
      const res = await client.get('/').expect(200, 'object')
      expect(sessionCookie(res)?.name).toBe('connect.sid')
    })

    it('a cookie(req) function decides the path per request', async () => {
      const cookie = (req: { url?: string }) => ({ path: req.url?.startsWith('/admin') ? '/admin' : '/' })
      const { client } = await sessionApp(session, { cookie }, { respond })
      const admin = await client.get('/admin/users').expect(200, 'object')
      expect(sessionCookie(admin)?.attributes.path).toBe('/admin')
      const home = await client.get('/').expect(200, 'object')
      expect(sessionCookie(home)?.attributes.path).toBe('/')
    })
  })

  describe('secret', () => {
    it('without any secret the request fails with "secret option required for sessions"', async () => {
      const { client } = await sessionApp(session, { secret: undefined })
      await client.get('/').expect(500, 'secret option required for sessions')
    })

    it("cookie-parser's req.secret stands in for a missing secret option", async () => {
      const { client } = await sessionApp(
        session,
        { secret: undefined },
        {
          setup: cookieParser('keyboard cat'),
          respond: countVisits
        }
      )
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    })
  })

  describe('reading the cookie', () => {
    it('a correctly signed cookie loads its session', async () => {
      const { client } = await sessionApp(session, {}, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    })

    it('the cookie value is s: + id + . + HMAC-SHA256 signature in unpadded base64', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            res.end(req.sessionID)
          }
        }
      )
      const res = await client.get('/').expect(200)
      const value = decodeURIComponent(sessionCookie(res)?.value ?? '')
      expect(value).toBe('s:' + signature.sign(res.text, 'keyboard cat'))
      expect(value).toMatch(/^s:[\w-]{32}\.[A-Za-z0-9+/]{43}$/)
    })

    it('a tampered signature starts a new session', async () => {
      const { client } = await sessionApp(session, {}, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      const tampered = cookieHeader(first).replace(/...$/, 'AAA')
      const second = await client.get('/').set('Cookie', tampered).expect(200, '1')
      expect(sessionId(second)).not.toBe(sessionId(first))
    })

    it('an unsigned session id is ignored and a new session starts', async () => {
      const { client } = await sessionApp(session, { name: 'sessid' }, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      const second = await client
        .get('/')
        .set('Cookie', 'sessid=' + sessionId(first))
        .expect(200, '1')
      expect(sessionId(second)).not.toBe(sessionId(first))
    })

    it('a badly signed cookie is never looked up in the store', async () => {
      const store = new session.MemoryStore()
      const looked: string[] = []
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      const get = store.get
      store.get = function (sid, cb) {
        looked.push(sid)
        get.call(this, sid, cb)
      }
      await client.get('/').set('Cookie', cookieHeader(first).replace(/...$/, 'AAA')).expect(200, '1')
      expect(looked).toEqual([])
    })

    it('with an array of secrets, a cookie signed by any of them is accepted', async () => {
      const store = new session.MemoryStore()
      const old = await sessionApp(session, { store, secret: 'old secret' }, { respond: countVisits })
      const rotated = await sessionApp(
        session,
        { store, secret: ['new secret', 'old secret'] },
        { respond: countVisits }
      )
      const first = await old.client.get('/').expect(200, '1')
      await rotated.client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    })

    it('with an array of secrets, new cookies are signed with the first', async () => {
      const { client } = await sessionApp(
        session,
        { secret: ['new secret', 'old secret'] },
        {
          respond: (req, res) => {
            res.end(req.sessionID)
          }
        }
      )
      const res = await client.get('/')
      expect(decodeURIComponent(sessionCookie(res)?.value ?? '')).toBe('s:' + signature.sign(res.text, 'new secret'))
    })

    it('a secret dropped from the array no longer opens its cookies', async () => {
      const store = new session.MemoryStore()
      const old = await sessionApp(session, { store, secret: 'old secret' }, { respond: countVisits })
      const next = await sessionApp(session, { store, secret: ['new secret'] }, { respond: countVisits })
      const first = await old.client.get('/').expect(200, '1')
      await next.client.get('/').set('Cookie', cookieHeader(first)).expect(200, '1')
    })

    it('a Buffer secret signs and unsigns', async () => {
      const { client } = await sessionApp(
        session,
        { secret: Buffer.from('0123456789abcdef0123456789abcdef') },
        { respond: countVisits }
      )
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    })

    it('the first of duplicate cookies with the session name is the one read', async () => {
      const { client } = await sessionApp(session, {}, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      await client
        .get('/')
        .set('Cookie', `${cookieHeader(first)}; connect.sid=s%3Aforged.sig`)
        .expect(200, '2')
      await client
        .get('/')
        .set('Cookie', `connect.sid=s%3Aforged.sig; ${cookieHeader(first)}`)
        .expect(200, '1')
    })

    it('a cookie value that is not valid percent-encoding is read raw and fails its signature', async () => {
      const { client } = await sessionApp(session, {}, { respond: countVisits })
      await client.get('/').set('Cookie', 'connect.sid=s%3A%E0%A4%A.bad').expect(200, '1')
    })
  })

  describe('cookie-parser compatibility', () => {
    /** cookie-parser, then a middleware that hides the Cookie header so only its parsed copy is left. */
    function parsedOnly(secret?: string) {
      const parse = cookieParser(secret)
      return (req: Request, res: Response, next: (err?: unknown) => void) => {
        parse(req, res, () => {
          req.headers.cookie = 'foo=bar'
          next()
        })
      }
    }

    it('reads the signed session cookie from req.cookies', async () => {
      const { client } = await sessionApp(session, {}, { setup: parsedOnly(), respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    })

    it('rejects an unsigned id from req.cookies', async () => {
      const { client } = await sessionApp(session, { name: 'sessid' }, { setup: parsedOnly(), respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      await client
        .get('/')
        .set('Cookie', 'sessid=' + sessionId(first))
        .expect(200, '1')
    })

    it('rejects a bad signature from req.cookies', async () => {
      const { client } = await sessionApp(session, {}, { setup: parsedOnly(), respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first).replace(/...$/, 'AAA')).expect(200, '1')
    })

    it('reads the id cookie-parser already unsigned into req.signedCookies', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          setup: (req, res, next) => {
            cookieParser('keyboard cat')(req, res, () => {
              delete req.headers.cookie
              next()
            })
          },
          respond: countVisits
        }
      )
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    })
  })

  describe('loading or generating', () => {
    it('req.sessionID and req.sessionStore are set for the route', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            res.json({ id: req.sessionID, same: req.sessionStore === store, match: req.session.id === req.sessionID })
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(res.body).toEqual({ id: sessionId(res), same: true, match: true })
    })

    it('a request without a cookie gets a new session with a 32-character id', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            res.end(req.sessionID)
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(res.text).toMatch(/^[A-Za-z0-9_-]{32}$/)
    })

    it('genid is called with the request', async () => {
      const { client } = await sessionApp(session, { genid: (req) => 'id-for' + req.url })
      const res = await client.get('/foo').expect(200)
      expect(sessionId(res)).toBe('id-for/foo')
    })

    it('a cookie whose session is gone from the store starts a new session with a new id', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      store.clear()
      const second = await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '1')
      expect(sessionId(second)).not.toBe(sessionId(first))
    })

    it('a store error on get goes to next(err)', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      store.get = (_sid, cb) => cb(new Error('boom!'))
      await client.get('/').set('Cookie', cookieHeader(first)).expect(500, 'boom!')
    })

    it('an ENOENT error from get counts as "no such session"', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      store.get = (_sid, cb) => cb(Object.assign(new Error('gone'), { code: 'ENOENT' }))
      const second = await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '1')
      expect(sessionId(second)).not.toBe(sessionId(first))
    })

    it('stored data without a cookie fails the request with the TypeError it causes', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      await storeSet(store, sessionId(first), { foo: 'bar' } as unknown as SessionData)
      await client
        .get('/')
        .set('Cookie', cookieHeader(first))
        .expect(500, /Cannot read prop/)
    })

    it('two requests without cookies make two sessions', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const [a, b] = await Promise.all([client.get('/'), client.get('/')])
      expect(sessionId(a)).not.toBe(sessionId(b))
      expect(Object.keys(store.sessions)).toHaveLength(2)
    })
  })
})

describe('under Express 4', () => {
  const express4 = require('express4') as typeof express

  describe.each(implementations)('$name', ({ session }) => {
    /** An Express 4 app counting visits, with a login that regenerates. */
    async function app4() {
      const app = express4()
      app.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: false }))
      app.get('/', countVisits)
      app.post('/login', (req, res, next) => {
        req.session.regenerate((err) => {
          if (err) return next(err)
          ;(req.session as unknown as { user: string }).user = 'rasmus'
          res.redirect('/')
        })
      })
      app.get('/whoami', (req, res) => {
        res.send(String((req.session as unknown as { user?: string }).user))
      })
      return serve(app)
    }

    it('counts visits across requests', async () => {
      const { client } = await app4()
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    })

    it('regenerates on login and knows the user afterwards', async () => {
      const { client } = await app4()
      const first = await client.get('/').expect(200, '1')
      const login = await client.post('/login').set('Cookie', cookieHeader(first)).expect(302)
      expect(sessionId(login)).not.toBe(sessionId(first))
      await client.get('/whoami').set('Cookie', cookieHeader(login)).expect(200, 'rasmus')
    })

    it('sends no cookie for an untouched session when saveUninitialized is false', async () => {
      const { client } = await app4()
      const res = await client.get('/whoami').expect(200, 'undefined')
      expect(setCookies(res)).toEqual([])
    })
  })
})

describe.each(implementations)('$name', ({ session }) => {
  /** Answer with whether the request got a session. */
  const respond = (req: Request, res: Response) => {
    res.end(typeof req.session)
  }

  it("a cookie(req) function's path keeps requests outside it from getting a session", async () => {
    const { client } = await sessionApp(session, { cookie: () => ({ path: '/admin' }) }, { respond })
    const outside = await client.get('/public').expect(200, 'undefined')
    expect(setCookies(outside)).toEqual([])
    const inside = await client.get('/admin/users').expect(200, 'object')
    expect(sessionCookie(inside)?.attributes.path).toBe('/admin')
  })

  it('a malformed stored session (no cookie) is handed to next as an error, and the route never runs', async () => {
    const store = new session.MemoryStore()
    const routes: string[] = []
    const { client } = await sessionApp(
      session,
      { store },
      {
        respond: (req, res) => {
          routes.push(req.url)
          countVisits(req, res)
        }
      }
    )
    const first = await client.get('/').expect(200, '1')
    await storeSet(store, sessionId(first), { foo: 'bar' } as unknown as SessionData)
    await client
      .get('/again')
      .set('Cookie', cookieHeader(first))
      .expect(500, "Cannot read properties of undefined (reading 'expires')")
    expect(routes).toEqual(['/'])
  })
})

describe.each(freshImplementations)('$name, loaded afresh', ({ load, debug }) => {
  describe('cookies cookie-parser left behind', () => {
    const seen: string[] = []
    const listener = (err: Error & { namespace?: string }) => {
      seen.push(`${err.namespace}: ${err.message}`)
    }
    beforeEach(() => {
      seen.length = 0
      process.on('deprecation', listener)
    })
    afterEach(() => {
      process.off('deprecation', listener)
    })

    /** cookie-parser, then the Cookie header taken away when `hide` says so. */
    function parsed(secret: string | undefined, hide: (req: Request) => boolean) {
      const parse = cookieParser(secret)
      return (req: Request, res: Response, next: (err?: unknown) => void) => {
        parse(req, res, () => {
          if (hide(req)) delete req.headers.cookie
          next()
        })
      }
    }

    it('an id read from req.signedCookies is used, with a deprecation: the cookie belongs in req.headers.cookie', async () => {
      const session = await load()
      const setup = parsed('keyboard cat', (req) => req.url === '/parsed')
      const { client } = await sessionApp(session, {}, { setup, respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
      expect(seen).toEqual([])
      await client.get('/parsed').set('Cookie', cookieHeader(first)).expect(200, '3')
      expect(seen).toEqual(['express-session: cookie should be available in req.headers.cookie'])
    })

    it('a signed id read from req.cookies is used, with the same deprecation', async () => {
      const session = await load()
      const setup = parsed(undefined, (req) => req.url === '/parsed')
      const { client } = await sessionApp(session, {}, { setup, respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
      expect(seen).toEqual([])
      await client.get('/parsed').set('Cookie', cookieHeader(first)).expect(200, '3')
      expect(seen).toEqual(['express-session: cookie should be available in req.headers.cookie'])
    })

    it('a badly signed or unsigned id in req.cookies is not used, and brings no deprecation', async () => {
      const session = await load()
      const setup = parsed(undefined, () => true)
      const { client } = await sessionApp(session, { name: 'sid' }, { setup, respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first).replace(/...$/, 'AAA')).expect(200, '1')
      await client
        .get('/')
        .set('Cookie', 'sid=' + sessionId(first))
        .expect(200, '1')
      expect(seen).toEqual([])
    })
  })

  describe('debug output', () => {
    /** A store-backed app whose /login puts data in the session; other routes only read it. */
    async function app(session: Awaited<ReturnType<typeof load>>, setup?: AppParts['setup']) {
      const store = new session.MemoryStore()
      const served = await sessionApp(
        session,
        { store, name: 'sid', resave: false, saveUninitialized: false },
        {
          setup,
          respond: (req, res) => {
            if (req.url === '/login') return countVisits(req, res)
            res.end(typeof req.session)
          }
        }
      )
      const login = await served.client.get('/login').expect(200, '1')
      return { ...served, store, login, id: sessionId(login) }
    }

    it('says when no cookie came and a session is generated', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const { client } = await app(session)
      lines.length = 0
      await client.get('/').expect(200, 'object')
      expect(lines).toEqual(['express-session no SID sent, generating session'])
    })

    it('says how a session was looked for: fetched and found, fetched and missing, or a store error', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const { client, store, login, id } = await app(session)
      lines.length = 0
      await client.get('/').set('Cookie', cookieHeader(login)).expect(200, 'object')
      expect(lines.splice(0)).toEqual([
        `express-session fetching ${id}`,
        'express-session session found',
        'express-session touching',
        'express-session touched'
      ])
      const get = store.get.bind(store)
      store.get = (_sid, cb) => cb(Object.assign(new Error('down'), { code: 'EDOWN' }))
      await client.get('/').set('Cookie', cookieHeader(login)).expect(500, 'down')
      // the error page goes out with no session attached: the header hook and res.end both notice
      expect(lines.splice(0)).toEqual([
        `express-session fetching ${id}`,
        'express-session error {"code":"EDOWN"}',
        'express-session no session',
        'express-session no session'
      ])
      store.get = get
      store.clear()
      await client.get('/').set('Cookie', cookieHeader(login)).expect(200, 'object')
      expect(lines).toEqual([`express-session fetching ${id}`, 'express-session no session found'])
    })

    it('says why a cookie in the header was not used: a bad signature, or none at all', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const { client, login, id } = await app(session)
      lines.length = 0
      await client.get('/').set('Cookie', cookieHeader(login).replace(/...$/, 'AAA'))
      await client.get('/').set('Cookie', `sid=${id}`)
      expect(lines).toEqual([
        'express-session cookie signature invalid',
        'express-session no SID sent, generating session',
        'express-session cookie unsigned',
        'express-session no SID sent, generating session'
      ])
    })

    it('says the same of a cookie found in req.cookies', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const parse = cookieParser()
      const { client, login, id } = await app(session, (req, res, next) => {
        parse(req, res, () => {
          delete req.headers.cookie
          next()
        })
      })
      lines.length = 0
      await client.get('/').set('Cookie', cookieHeader(login).replace(/...$/, 'AAA'))
      await client.get('/').set('Cookie', `sid=${id}`)
      expect(lines).toEqual([
        'express-session cookie signature invalid',
        'express-session no SID sent, generating session',
        'express-session cookie unsigned',
        'express-session no SID sent, generating session'
      ])
    })

    it('says why a request got no session: a disconnected store, or a path outside the cookie', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, cookie: { path: '/admin' } },
        {
          respond: (req, res) => {
            res.end(typeof req.session)
          }
        }
      )
      await client.get('/').expect(200, 'undefined')
      store.emit('disconnect')
      await client.get('/admin').expect(200, 'undefined')
      expect(lines).toEqual(['express-session pathname mismatch', 'express-session store is disconnected'])
    })
  })
})
