/**
 * Chapter 04 — the request flow: everything the middleware does before it
 * calls next(). Each test runs against our implementation and against
 * express-session 1.19.0.
 */
import http from 'node:http'
import { createRequire } from 'node:module'
import cookieParser from 'cookie-parser'
import express from 'express'
import type { Request, Response } from 'express'
import signature from 'cookie-signature'
import { describe, expect, it, vi } from 'vitest'
import {
  collectDeprecations,
  countVisits,
  data,
  plainApp,
  reloadInARow,
  sessionApp,
  type AppParts
} from './support/apps.js'
import { cookieHeader, sessionCookie, sessionId, setCookies, tamperedCookie } from './support/cookies.js'
import { captureDebug, freshImplementations } from './support/fresh.js'
import { serve } from './support/http.js'
import { implementations, type SessionModule } from './support/implementations.js'
import { countCalls, holdSets, storedSession, storeSet, syncStore } from './support/stores.js'
import type { SessionData, SessionOptions, Store } from '../src/index.js'

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
      const tampered = tamperedCookie(cookieHeader(first))
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
      // eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped: called below with this
      const get = store.get
      store.get = function (sid, cb) {
        looked.push(sid)
        get.call(this, sid, cb)
      }
      await client
        .get('/')
        .set('Cookie', tamperedCookie(cookieHeader(first)))
        .expect(200, '1')
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
      await client
        .get('/')
        .set('Cookie', tamperedCookie(cookieHeader(first)))
        .expect(200, '1')
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
          data(req).user = 'rasmus'
          res.redirect('/')
        })
      })
      app.get('/whoami', (req, res) => {
        res.send(String(data(req).user))
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

describe.each(implementations)('one request, start to end ($name)', ({ session }) => {
  const body = 'hello, world'

  /**
   * An app that writes down, in order, what the store is asked and answers, when the route runs,
   * when the session cookie is added to the headers, and what reaches the response's own
   * write and end (wrapped before the session middleware, so these are what its proxy calls).
   */
  async function traced(store: Store, respond: (req: Request, res: Response) => void, options: SessionOptions = {}) {
    const events: string[] = []
    const bytes = (chunk: unknown) => (chunk == null ? 0 : Buffer.byteLength(chunk as string | Buffer))
    const methods = store as unknown as Record<string, ((...args: unknown[]) => void) | undefined>
    for (const method of ['get', 'set', 'touch', 'destroy']) {
      const original = methods[method]?.bind(store)
      if (!original) continue
      methods[method] = (...args: unknown[]) => {
        events.push(method === 'get' ? 'store.get' : `store.${method} started`)
        const cb = args.pop() as (...results: unknown[]) => void
        original(...args, (...results: unknown[]) => {
          if (method !== 'get') events.push('store answered')
          cb(...results)
        })
      }
    }
    const app = await sessionApp(
      session,
      { store, resave: false, ...options },
      {
        setup: (_req, res, next) => {
          const write = res.write.bind(res) as (...args: unknown[]) => boolean
          const end = res.end.bind(res) as (...args: unknown[]) => Response
          const setHeader = res.setHeader.bind(res)
          res.write = ((chunk: unknown, ...rest: unknown[]) => {
            events.push(`write ${bytes(chunk)} bytes`)
            return write(chunk, ...rest)
          }) as Response['write']
          res.end = ((chunk?: unknown, ...rest: unknown[]) => {
            events.push(chunk == null ? 'end' : `end with ${bytes(chunk)} bytes`)
            return end(chunk, ...rest)
          }) as Response['end']
          res.setHeader = (name: string, value: number | string | readonly string[]) => {
            if (name.toLowerCase() === 'set-cookie') events.push('Set-Cookie added')
            return setHeader(name, value)
          }
          next()
        },
        respond: (req, res) => {
          events.push('route')
          respond(req, res)
        }
      }
    )
    return { ...app, events }
  }

  /** The route of a first visit: put something in the session and answer `body`. */
  function change(req: Request, res: Response) {
    ;(req.session as unknown as { views?: number }).views = ((req.session as { views?: number }).views ?? 0) + 1
    res.send(body)
  }

  /** The events of a return visit to `path`, carrying the cookie of a first visit to `/`, whose own events are dropped. */
  async function returnVisit(respond: (req: Request, res: Response) => void, path: string): Promise<string[]> {
    const { client, events } = await traced(new session.MemoryStore(), respond)
    const first = await client.get('/').expect(200, body)
    events.length = 0
    await client.get(path).set('Cookie', cookieHeader(first)).expect(200, body)
    return events
  }

  it('a changed session, in order: store.get, the route, store.set started, Set-Cookie added, all but the last byte written, the store answers, the last byte ends the response', async () => {
    const events = await returnVisit(change, '/')
    expect(events).toEqual([
      'store.get',
      'route',
      'store.set started',
      'Set-Cookie added',
      `write ${body.length - 1} bytes`,
      'store answered',
      'end with 1 bytes'
    ])
  })

  it('a new session is generated without asking the store; the rest runs as for a changed one', async () => {
    const { client, events } = await traced(new session.MemoryStore(), change)
    await client.get('/').expect(200, body)
    expect(events).toEqual([
      'route',
      'store.set started',
      'Set-Cookie added',
      `write ${body.length - 1} bytes`,
      'store answered',
      'end with 1 bytes'
    ])
  })

  it('an unchanged session with resave: false is touched, and gets no Set-Cookie', async () => {
    const events = await returnVisit((req, res) => (req.url === '/' ? change(req, res) : res.send(body)), '/read')
    expect(events).toEqual([
      'store.get',
      'route',
      'store.touch started',
      `write ${body.length - 1} bytes`,
      'store answered',
      'end with 1 bytes'
    ])
  })

  it('without a Content-Length the whole body is written at once, and only the end waits for the store', async () => {
    const { client, events } = await traced(new session.MemoryStore(), (req, res) => {
      ;(req.session as unknown as { views: number }).views = 1
      res.end(body)
    })
    await client.get('/').expect(200, body)
    expect(events.slice(-4)).toEqual(['Set-Cookie added', `write ${body.length} bytes`, 'store answered', 'end'])
  })

  it('with no body, nothing reaches the socket until the store answers, the headers included', async () => {
    const store = new session.MemoryStore()
    const hold = holdSets(store)
    const seen: Array<{ headersSent: boolean; bytesSent: number; pending: number }> = []
    const { client } = await sessionApp(
      session,
      { store, resave: false },
      {
        respond: (req, res) => {
          ;(req.session as unknown as { views: number }).views = 1
          const before = res.socket?.bytesWritten ?? -1
          res.end()
          // the headers are fixed (headersSent says so), yet not one byte has left
          seen.push({
            headersSent: res.headersSent,
            bytesSent: (res.socket?.bytesWritten ?? -1) - before,
            pending: hold.pending()
          })
          hold.release()
        }
      }
    )
    const res = await client.get('/').expect(200, '')
    expect(seen).toEqual([{ headersSent: true, bytesSent: 0, pending: 1 }])
    expect(sessionCookie(res)?.name).toBe('connect.sid')
  })

  it('a store that answers at once ends the response before any split: the route’s body goes to end whole', async () => {
    const { client, events } = await traced(syncStore(session.Store), change)
    await client.get('/').expect(200, body)
    // the headers are fixed inside that end, so the session cookie is added during it
    expect(events).toEqual([
      'route',
      'store.set started',
      'store answered',
      `end with ${body.length} bytes`,
      'Set-Cookie added'
    ])
  })
})

describe.each(implementations)('the chapter’s finer points ($name)', ({ session }) => {
  it('stored data with a key the session already has (id, a method’s name, toString) makes an unchanged read write it back, even with resave: false', async () => {
    for (const key of ['id', 'save', 'toString']) {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, resave: false },
        {
          respond: (req, res) => {
            if (req.url === '/') (req.session as unknown as { views: number }).views = 1
            res.end(String((req.session as unknown as Record<string, unknown>)[key] === 'stored'))
          }
        }
      )
      const first = await client.get('/')
      const id = sessionId(first)
      store.sessions[id] = store.sessions[id].replace(/}$/, `,${JSON.stringify(key)}:"stored"}`)
      const calls = countCalls(store, 'set', 'touch')
      // the stored key never reaches req.session as data…
      await client.get('/read').set('Cookie', cookieHeader(first)).expect(200, 'false')
      // …so the session no longer hashes like the data it was loaded from
      expect([key, calls]).toEqual([key, { set: 1, touch: 0 }])
    }
  })

  it('the same read of ordinary stored data is only touched', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(
      session,
      { store, resave: false },
      {
        respond: (req, res) => {
          if (req.url === '/') (req.session as unknown as { views: number }).views = 1
          res.end()
        }
      }
    )
    const first = await client.get('/')
    const id = sessionId(first)
    store.sessions[id] = store.sessions[id].replace(/}$/, ',"note":"stored"}')
    const calls = countCalls(store, 'set', 'touch')
    await client.get('/read').set('Cookie', cookieHeader(first)).expect(200)
    expect(calls).toEqual({ set: 0, touch: 1 })
  })

  it('a cookie-parser JSON cookie leaves an object in req.cookies, and reading it throws "raw.substr is not a function"', async () => {
    const { client } = await sessionApp(
      session,
      {},
      {
        setup: (req, res, next) => {
          cookieParser()(req, res, () => {
            req.headers.cookie = 'foo=bar'
            next()
          })
        }
      }
    )
    await client
      .get('/')
      .set('Cookie', 'connect.sid=' + encodeURIComponent('j:{"a":1}'))
      .expect(500, 'raw.substr is not a function')
  })

  it('reload failing again and again from its own callback (the session gone from the store) does not pile up wrappers', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(
      session,
      { store, resave: false },
      {
        respond: (req, res) => {
          if (req.url === '/') return countVisits(req, res)
          store.clear()
          reloadInARow(req, res, 20, (errors) => errors.join())
        }
      }
    )
    const first = await client.get('/')
    await client.get('/again').set('Cookie', cookieHeader(first)).expect(200, 'failed to load session')
  })

  it('an exception thrown by next() (the route, under a store that answers at once) is not passed back to next', () => {
    const store = syncStore(session.Store)
    store.sessions.set('abc', JSON.stringify(storedSession(60_000)))
    const middleware = session({ store, secret: 'keyboard cat', resave: false, saveUninitialized: false })
    const req = new http.IncomingMessage(null as never)
    req.url = '/'
    req.headers.cookie = 'connect.sid=' + encodeURIComponent('s:' + signature.sign('abc', 'keyboard cat'))
    const res = new http.ServerResponse(req)
    const given: unknown[] = []
    expect(() =>
      middleware(req, res, (err) => {
        given.push(err)
        throw new Error('thrown by the route')
      })
    ).toThrow('thrown by the route')
    expect(given).toEqual([undefined])
  })
})

describe.each(implementations)('the cookie-parser fallbacks warn ($name)', ({ name }) => {
  /** The implementation loaded afresh: depd warns once per place in the code, and earlier tests used these places. */
  async function fresh(): Promise<SessionModule> {
    if (name === 'ours') {
      vi.resetModules()
      return (await import('../src/index.js')).default
    }
    delete require.cache[require.resolve('express-session')]
    return require('express-session') as SessionModule
  }

  it('an id found in req.signedCookies or req.cookies, not in the header, warns "cookie should be available in req.headers.cookie"', async () => {
    const session = await fresh()
    const warnings: string[] = []
    const listener = (err: Error) => warnings.push(err.message)
    process.on('deprecation', listener)
    try {
      for (const secret of ['keyboard cat', undefined]) {
        // with a secret, cookie-parser unsigns into req.signedCookies; without, it leaves the value in req.cookies
        const { client } = await sessionApp(
          session,
          {},
          {
            setup: (req, res, next) => {
              cookieParser(secret)(req, res, () => {
                delete req.headers.cookie
                next()
              })
            },
            respond: countVisits
          }
        )
        const first = await client.get('/').expect(200, '1')
        await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
      }
    } finally {
      process.off('deprecation', listener)
    }
    expect(warnings).toEqual([
      'cookie should be available in req.headers.cookie',
      'cookie should be available in req.headers.cookie'
    ])
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
    const seen = collectDeprecations()

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
      await client
        .get('/')
        .set('Cookie', tamperedCookie(cookieHeader(first)))
        .expect(200, '1')
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
      await client.get('/').set('Cookie', tamperedCookie(cookieHeader(login)))
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
      await client.get('/').set('Cookie', tamperedCookie(cookieHeader(login)))
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

describe.each(implementations)('a store that reports a missing session as ENOENT ($name)', ({ session }) => {
  /** session-file-store's export: a function of the session module that returns its store class. */
  type FileStoreFactory = (
    session: SessionModule
  ) => new (options: { path: string; retries: number; reapInterval: number; logFn: () => void }) => Store

  it('session-file-store 1.5.0 answers get for a missing session with the ENOENT of the missing file', async () => {
    const fs = require('node:fs') as typeof import('node:fs')
    const os = require('node:os') as typeof import('node:os')
    const path = require('node:path') as typeof import('node:path')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'missing-file-'))
    try {
      const FileStore = (require('session-file-store') as FileStoreFactory)(session)
      const store = new FileStore({ path: dir, retries: 0, reapInterval: -1, logFn: () => {} })
      const err = await new Promise<unknown>((resolve) => {
        store.get('no-such-session', (e) => resolve(e))
      })
      expect((err as NodeJS.ErrnoException).code).toBe('ENOENT')

      // the middleware takes that error as "no such session": a new session, not a failure
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const cookie = 'connect.sid=' + encodeURIComponent('s:' + signature.sign('no-such-session', 'keyboard cat'))
      const res = await client.get('/').set('Cookie', cookie).expect(200, '1')
      expect(sessionId(res)).not.toBe('no-such-session')
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe.each(implementations)('$name: a request for *', ({ session }) => {
  it('OPTIONS * lies outside even the default cookie path /: no session, no cookie', async () => {
    const { url } = await plainApp(session, {}, (req, res) => res.end(typeof req.session))
    const { port } = new URL(url)
    const answer = await new Promise<{ body: string; setCookie: string[] | undefined }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'OPTIONS', path: '*' }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ body, setCookie: res.headers['set-cookie'] }))
      })
      req.on('error', reject)
      req.end()
    })
    expect(answer).toEqual({ body: 'undefined', setCookie: undefined })
  })
})
