/**
 * Chapter 03 — session(options): the defaults, the checks that throw, the
 * deprecation warnings, the MemoryStore warning, store readiness and
 * store.generate. Each test runs against ours and express-session 1.19.0.
 */
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import type { Request, Response } from 'express'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sessionApp } from './support/apps.js'
import { cookieHeader, sessionCookie, sessionId } from './support/cookies.js'
import { freshImplementations } from './support/fresh.js'
import { implementations } from './support/implementations.js'
import { countCalls } from './support/stores.js'
import { serve } from './support/http.js'
import type { SessionRequest, Store } from '../src/index.js'

/** Collects depd's warnings: with a 'deprecation' listener, depd emits instead of printing. */
function collectDeprecations(): string[] {
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
  return seen
}

/** Answer without touching the session. */
function readOnly(_req: Request, res: Response): void {
  res.end()
}

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
            if (req.url === '/drop') (req as unknown as { session: null }).session = null
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
            res.end(
              String(
                ((req.session as unknown as { n?: number }).n = ((req.session as unknown as { n?: number }).n ?? 0) + 1)
              )
            )
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
