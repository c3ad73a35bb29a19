/**
 * Chapter 03 — session(options): the defaults, the checks that throw, the
 * deprecation warnings, the MemoryStore warning, store readiness and
 * store.generate. Each test runs against ours and express-session 1.19.0.
 */
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import express from 'express'
import type { NextFunction, Request, Response } from 'express'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { collectDeprecations, data, dropSession, readOnly, sessionApp } from './support/apps.js'
import { cookieHeader, sessionCookie, sessionId, setCookies } from './support/cookies.js'
import { freshImplementations } from './support/fresh.js'
import { implementations } from './support/implementations.js'
import { countCalls, syncStore } from './support/stores.js'
import { serve } from './support/http.js'
import type { SessionRequest, Store } from '../src/index.js'

describe.each(implementations)('$name', ({ name, session }) => {
  describe('defaults', () => {
    it('the cookie is called connect.sid', async () => {
      const { client } = await sessionApp(session)
      expect(sessionCookie(await client.get('/'))?.name).toBe('connect.sid')
    })

    it('the old key option names the cookie when name is absent', async () => {
      const { client } = await sessionApp(session, { key: 'session_id' })
      expect(sessionCookie(await client.get('/'))?.name).toBe('session_id')
    })

    it('name wins over key', async () => {
      const { client } = await sessionApp(session, { name: 'by_name', key: 'by_key' })
      expect(sessionCookie(await client.get('/'))?.name).toBe('by_name')
    })

    it('the cookie defaults to Path=/ and HttpOnly, with no expiry: a browser-session cookie', async () => {
      const { client } = await sessionApp(session, { cookie: undefined })
      expect(sessionCookie(await client.get('/'))?.attributes).toEqual({ path: '/', httponly: true })
    })

    it('the store defaults to a new MemoryStore', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            res.end(String(req.sessionStore instanceof session.MemoryStore))
          }
        }
      )
      await client.get('/').expect(200, 'true')
    })

    it('two middlewares made without a store do not share one', async () => {
      const stores: Store[] = []
      const a = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            stores.push(req.sessionStore)
            res.end()
          }
        }
      )
      const b = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            stores.push(req.sessionStore)
            res.end()
          }
        }
      )
      await a.client.get('/')
      await b.client.get('/')
      expect(stores[0]).not.toBe(stores[1])
    })

    it('rolling defaults to false', async () => {
      const { client } = await sessionApp(session, { rolling: undefined }, { respond: readOnly })
      const first = await client.get('/')
      expect(sessionCookie(await client.get('/').set('Cookie', cookieHeader(first)))).toBeUndefined()
    })

    it('unset defaults to keep', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            if (req.url === '/drop') dropSession(req)
            res.end()
          }
        }
      )
      const res = await client.get('/')
      await client.get('/drop').set('Cookie', cookieHeader(res)).expect(200)
      expect(Object.keys(store.sessions)).toEqual([sessionId(res)])
    })

    it('a KeyObject works as a secret', async () => {
      const secret = crypto.createSecretKey(Buffer.from('a secret kept as a KeyObject'))
      const { client } = await sessionApp(
        session,
        { secret },
        {
          respond: (req, res) => {
            res.end(String((data(req).n = (data(req).n ?? 0) + 1)))
          }
        }
      )
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    })
  })

  describe('no options at all', () => {
    it("session() can be called bare, and then needs cookie-parser's secret on each request", async () => {
      const bare = session()
      const { client } = await serve((req, res) => {
        bare(req, res, (err) =>
          res.end(err instanceof Error ? err.message : typeof (req as { session?: unknown }).session)
        )
      })
      await client.get('/').expect(200, 'secret option required for sessions')
    })
  })

  describe('options that throw', () => {
    it('a genid that is not a function throws "genid option must be a function"', () => {
      expect(() => session({ genid: 'bogus!' as never, secret: 's', resave: false, saveUninitialized: false })).toThrow(
        new TypeError('genid option must be a function')
      )
    })

    it('an empty secret array throws', () => {
      expect(() => session({ secret: [], resave: false, saveUninitialized: false })).toThrow(
        new TypeError('secret option array must contain one or more strings')
      )
    })

    it('an unset other than "destroy" or "keep" throws', () => {
      expect(() => session({ unset: 'bogus!' as never, secret: 's', resave: false, saveUninitialized: false })).toThrow(
        new TypeError('unset option must be "destroy" or "keep"')
      )
    })

    it('a falsy unset is taken as the default', () => {
      expect(() => session({ unset: '' as never, secret: 's', resave: false, saveUninitialized: false })).not.toThrow()
    })

    it('a store that is not an EventEmitter is refused when the middleware is made', () => {
      const store = { get() {}, set() {}, destroy() {} } as unknown as Store
      expect(() => session({ store, secret: 's', resave: false, saveUninitialized: false })).toThrow(TypeError)
    })
  })

  describe('deprecation warnings', () => {
    const warnings = collectDeprecations()

    it('leaving out resave warns and behaves as resave: true', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store, resave: undefined }, { respond: readOnly })
      expect(warnings).toEqual(['express-session: undefined resave option; provide resave option'])
      const first = await client.get('/')
      const calls = countCalls(store, 'set', 'touch')
      await client.get('/').set('Cookie', cookieHeader(first))
      expect(calls).toEqual({ set: 1, touch: 0 })
    })

    it('leaving out saveUninitialized warns and behaves as saveUninitialized: true', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store, saveUninitialized: undefined }, { respond: readOnly })
      expect(warnings).toEqual([
        'express-session: undefined saveUninitialized option; provide saveUninitialized option'
      ])
      const res = await client.get('/')
      expect(Object.keys(store.sessions)).toEqual([sessionId(res)])
    })

    it('leaving out the secret warns that req.secret will be needed', () => {
      session({ resave: false, saveUninitialized: false })
      expect(warnings).toEqual(['express-session: req.secret; provide secret option'])
    })

    it('all three options given: no warning', () => {
      session({ secret: 's', resave: false, saveUninitialized: false })
      expect(warnings).toEqual([])
    })
  })

  describe('the MemoryStore warning', () => {
    /** Load the implementation in a fresh process with NODE_ENV set, make two middlewares, return stderr. */
    function warningsIn(env: string): string {
      const entry = name === 'ours' ? fileURLToPath(new URL('../src/index.ts', import.meta.url)) : 'express-session'
      const script = `
        const session = require(${JSON.stringify(entry)});
        const opts = { secret: 's', resave: false, saveUninitialized: false };
        session(opts);
        console.error('--- with a store of its own ---');
        session({ ...opts, store: new session.MemoryStore() });
        console.error('--- with another store ---');
        session({ ...opts, store: new (class extends session.Store {})() });`
      const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
        env: { ...process.env, NODE_ENV: env },
        encoding: 'utf8'
      })
      return result.stderr
    }

    it('in production, a MemoryStore (default or explicit) prints the leak warning; another store does not', () => {
      const warning =
        'Warning: connect.session() MemoryStore is not\ndesigned for a production environment, as it will leak\nmemory, and will not scale past a single process.\n'
      expect(warningsIn('production')).toBe(
        `${warning}--- with a store of its own ---\n${warning}--- with another store ---\n`
      )
    })

    it('outside production there is no warning', () => {
      expect(warningsIn('development')).toBe('--- with a store of its own ---\n--- with another store ---\n')
    })
  })

  describe('the store', () => {
    it("session() listens for the store's connect and disconnect events", () => {
      const store = new session.MemoryStore()
      session({ store, secret: 's', resave: false, saveUninitialized: false })
      expect([store.listenerCount('connect'), store.listenerCount('disconnect')]).toEqual([1, 1])
    })

    it('session() gives the store a generate(req) that attaches a fresh session', () => {
      const store = new session.MemoryStore()
      session({
        store,
        secret: 's',
        resave: false,
        saveUninitialized: false,
        genid: () => 'fresh-id',
        cookie: { maxAge: 1000, domain: 'example.org' }
      })
      const req = new http.IncomingMessage(null as never) as SessionRequest
      store.generate(req)
      expect(req.sessionID).toBe('fresh-id')
      expect(req.session?.id).toBe('fresh-id')
      expect(req.session).toBeInstanceOf(session.Session)
      expect(req.session?.cookie).toBeInstanceOf(session.Cookie)
      expect(req.session?.cookie.domain).toBe('example.org')
      // maxAge becomes an expiry date and is read back, so a millisecond may pass in between
      expect([999, 1000]).toContain(req.session?.cookie.originalMaxAge)
    })

    it('every new session gets a cookie of its own, built from the options', () => {
      const store = new session.MemoryStore()
      const cookie = { maxAge: 1000 }
      session({ store, secret: 's', resave: false, saveUninitialized: false, cookie })
      const a = new http.IncomingMessage(null as never) as SessionRequest
      const b = new http.IncomingMessage(null as never) as SessionRequest
      store.generate(a)
      store.generate(b)
      ;(a.session as NonNullable<SessionRequest['session']>).cookie.path = '/changed'
      expect(b.session?.cookie.path).toBe('/')
      expect(cookie).toEqual({ maxAge: 1000 })
    })

    it('a cookie(req) function is asked for every new session', async () => {
      const asked: string[] = []
      const { client } = await sessionApp(session, {
        cookie: (req) => {
          asked.push(req.url ?? '')
          return { maxAge: 1000 }
        }
      })
      await client.get('/a')
      await client.get('/b')
      expect(asked.filter((url) => url === '/a').length).toBeGreaterThan(0)
      expect(asked.filter((url) => url === '/b').length).toBeGreaterThan(0)
    })
  })
})

describe('ours, loaded afresh with NODE_ENV=production', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
    vi.resetModules()
  })

  it('reads NODE_ENV once, when the module loads, and warns for each MemoryStore middleware', async () => {
    vi.stubEnv('NODE_ENV', 'production')
    vi.resetModules()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { default: fresh } = await import('../src/index.js')
    vi.stubEnv('NODE_ENV', 'development')
    fresh({ secret: 's', resave: false, saveUninitialized: false })
    fresh({ secret: 's', resave: false, saveUninitialized: false, store: new (class extends fresh.Store {})() })
    expect(warn.mock.calls.map((call) => String(call[0]).split('\n')[0])).toEqual([
      'Warning: connect.session() MemoryStore is not'
    ])
  })
})

describe.each(implementations)('options as the chapter describes them ($name)', ({ session }) => {
  it('a falsy name or cookie option falls back to the default: connect.sid, Path=/ and HttpOnly', async () => {
    const { client } = await sessionApp(session, { name: '', cookie: null as never })
    const cookie = sessionCookie(await client.get('/').expect(200))
    expect([cookie?.name, cookie?.attributes]).toEqual(['connect.sid', { path: '/', httponly: true }])
  })

  it('any truthy rolling turns it on', async () => {
    const { client } = await sessionApp(session, { rolling: 1 as never }, { respond: readOnly })
    const first = await client.get('/')
    expect(sessionCookie(await client.get('/').set('Cookie', cookieHeader(first)))?.name).toBe('connect.sid')
  })

  it('one store shared by two session() middlewares makes the first one’s new sessions with the second one’s genid and cookie', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(session, { store, genid: () => 'first-' + crypto.randomUUID() })
    session({
      store,
      secret: 'keyboard cat',
      resave: false,
      saveUninitialized: true,
      genid: () => 'second-' + crypto.randomUUID(),
      cookie: { domain: 'example.org' }
    })
    const res = await client.get('/').expect(200)
    expect(sessionId(res)).toMatch(/^second-/)
    expect(sessionCookie(res)?.attributes.domain).toBe('example.org')
  })

  it('a touch method added to the store after session() was called is never used', async () => {
    const store = syncStore(session.Store)
    const { client } = await sessionApp(session, { store, resave: false }, { respond: readOnly })
    let touched = 0
    ;(store as { touch?: Store['touch'] }).touch = (_sid, _sess, cb) => {
      touched++
      cb?.()
    }
    const first = await client.get('/')
    await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
    expect(touched).toBe(0)
  })

  it('unset: "" keeps the session in the store when the route removes it', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(
      session,
      { store, unset: '' as never },
      {
        respond: (req, res) => {
          if (req.url === '/drop') (req as unknown as { session: null }).session = null
          res.end()
        }
      }
    )
    const res = await client.get('/')
    await client.get('/drop').set('Cookie', cookieHeader(res)).expect(200)
    expect(Object.keys(store.sessions)).toEqual([sessionId(res)])
  })

  it('a maxAge that is not a number passes session(); the first new session fails, and the error page cannot be sent', async () => {
    const options = { secret: 's', resave: false, saveUninitialized: false, cookie: { maxAge: 'x' as never } }
    expect(typeof session(options)).toBe('function')
    const seen: string[] = []
    const app = express()
    app.use(session(options))
    // Express knows an error handler by its four parameters, so the unused fourth stays
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      seen.push(err.message)
      try {
        res.status(500).send(err.message)
      } catch (thrown) {
        // the half-made session (its cookie never set) cannot be touched at the end of the response
        seen.push((thrown as Error).message)
      }
      seen.push(`response ended: ${res.writableEnded}`)
      res.socket?.destroy()
    })
    const { client } = await serve(app)
    await expect(client.get('/')).rejects.toThrow(/socket hang up/)
    expect(seen).toEqual([
      'maxAge must be a number or Date',
      expect.stringMatching(/reading 'originalMaxAge'/),
      'response ended: false'
    ])
  })

  it('session() calls store.on: a store without it throws a TypeError, any object with it is taken', () => {
    const noOn = { get() {}, set() {}, destroy() {} } as unknown as Store
    expect(() => session({ store: noOn, secret: 's', resave: false, saveUninitialized: false })).toThrow(
      /store\.on is not a function/
    )
    const withOn = { get() {}, set() {}, destroy() {}, on() {} } as unknown as Store
    expect(() => session({ store: withOn, secret: 's', resave: false, saveUninitialized: false })).not.toThrow()
  })

  it('secure: "auto" returned by a cookie function is not resolved: no cookie over plain HTTP and no error, a Secure cookie over HTTPS', async () => {
    const { client, lateErrors } = await sessionApp(session, { proxy: true, cookie: () => ({ secure: 'auto' }) })
    const overHttp = await client.get('/').expect(200)
    expect(setCookies(overHttp)).toEqual([])
    const overHttps = await client.get('/').set('X-Forwarded-Proto', 'https').expect(200)
    expect(sessionCookie(overHttps)?.attributes.secure).toBe(true)
    expect(lateErrors).toEqual([])
  })
})

describe.each(implementations)('$name', ({ session }) => {
  describe('unset', () => {
    it('unset: "keep" is accepted, and a session set to null stays in the store', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, unset: 'keep' },
        {
          respond: (req, res) => {
            if (req.url === '/drop') (req as unknown as { session: null }).session = null
            res.end()
          }
        }
      )
      const res = await client.get('/')
      await client.get('/drop').set('Cookie', cookieHeader(res)).expect(200)
      expect(Object.keys(store.sessions)).toEqual([sessionId(res)])
    })
  })
})

describe.each(freshImplementations)('$name, loaded afresh', ({ load }) => {
  const options = { secret: 's', resave: false, saveUninitialized: false }
  const warning =
    'Warning: connect.session() MemoryStore is not\n' +
    'designed for a production environment, as it will leak\n' +
    'memory, and will not scale past a single process.'

  afterEach(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
  })

  it('in production, each middleware on a MemoryStore passes the whole warning to console.warn; another store, none', async () => {
    vi.stubEnv('NODE_ENV', 'production')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const session = await load()
    session(options)
    session({ ...options, store: new session.MemoryStore() })
    session({ ...options, store: new (class extends session.Store {})() })
    expect(warn.mock.calls).toEqual([[warning], [warning]])
  })

  it('outside production a MemoryStore brings no warning', async () => {
    vi.stubEnv('NODE_ENV', 'development')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const session = await load()
    session(options)
    expect(warn).not.toHaveBeenCalled()
  })
})

describe.each(freshImplementations)('NODE_ENV, as $name reads it', ({ load }) => {
  const options = { secret: 's', resave: false, saveUninitialized: false }

  afterEach(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
  })

  it('NODE_ENV is read once, when the module loads: loaded in production, a MemoryStore warns after a switch to development', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.stubEnv('NODE_ENV', 'production')
    const session = await load()
    vi.stubEnv('NODE_ENV', 'development')
    session(options)
    expect(warn).toHaveBeenCalledTimes(1)
  })

  it('NODE_ENV is read once, when the module loads: loaded in development, a MemoryStore stays silent after a switch to production', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.stubEnv('NODE_ENV', 'development')
    const session = await load()
    vi.stubEnv('NODE_ENV', 'production')
    session(options)
    expect(warn).not.toHaveBeenCalled()
  })
})
