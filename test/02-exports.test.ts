/**
 * Chapter 02 — the public surface: the default export and what hangs off
 * it, the named exports, CommonJS `require`, and the types an application
 * extends.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { describe, expect, expectTypeOf, it } from 'vitest'
import session, {
  Cookie,
  MemoryStore,
  Session,
  Store,
  type SessionData,
  type SessionedRequest,
  type SessionOptions
} from '../src/index.js'
import CookieModule from '../src/session/cookie.js'
import MemoryStoreModule from '../src/session/memory.js'
import SessionModule from '../src/session/session.js'
import StoreModule from '../src/session/store.js'
import { implementations, upstream } from './support/implementations.js'
import { serve } from './support/http.js'
import { cookieHeader, sessionCookie } from './support/cookies.js'

declare module '../src/index.js' {
  interface SessionData {
    views: number
  }
}

const here = fileURLToPath(new URL('.', import.meta.url))

/** Run a CommonJS snippet under tsx in a fresh process; its stdout, trimmed. */
function requireIn(script: string): string {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: here, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(result.stderr)
  return result.stdout.trim()
}

describe('the default export', () => {
  it("is the session function, carrying the four constructors as properties, as upstream's module.exports does", () => {
    expect(typeof session).toBe('function')
    expect(session.name).toBe('session')
    expect([session.Store, session.Cookie, session.Session, session.MemoryStore]).toEqual([
      Store,
      Cookie,
      Session,
      MemoryStore
    ])
  })

  it("has the same shape as express-session's", () => {
    const shape = (m: object) =>
      Object.entries(m)
        .map(([key, value]) => [key, typeof value])
        .sort()
    expect(shape(session)).toEqual(shape(upstream))
    expect(session.length).toBe(upstream.length)
  })

  it("each session module's default export is its constructor", () => {
    expect([CookieModule, SessionModule, StoreModule, MemoryStoreModule]).toEqual([Cookie, Session, Store, MemoryStore])
  })
})

describe('CommonJS', () => {
  it('require() of src/index.ts returns the session function itself', () => {
    const out = requireIn(`
      const session = require('../src/index.ts');
      console.log(typeof session, typeof session.Store, typeof session.Cookie, typeof session.Session, typeof session.MemoryStore)`)
    expect(out).toBe('function function function function function')
  })

  it("require() of each file under src/session returns its constructor, as upstream's files do", () => {
    const out = requireIn(`
      for (const name of ['cookie', 'session', 'store', 'memory']) {
        process.stdout.write(typeof require('../src/session/' + name + '.ts') + ' ')
      }`)
    expect(out).toBe('function function function function')
  })

  it('a store subclassed the CommonJS way works with the required module', () => {
    const out = requireIn(`
      const util = require('node:util');
      const session = require('../src/index.ts');
      function MyStore() { session.Store.call(this) }
      util.inherits(MyStore, session.Store);
      const store = new MyStore();
      console.log(store instanceof session.Store, typeof store.on, typeof store.regenerate)`)
    expect(out).toBe('true function function')
  })
})

describe('types', () => {
  it('an application adds its own fields to SessionData by declaration merging', async () => {
    expectTypeOf<SessionData['views']>().toEqualTypeOf<number>()
    const app = express()
    app.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: false }))
    app.get('/', (req, res) => {
      expectTypeOf(req.session.views).toEqualTypeOf<number | undefined>()
      expectTypeOf(req.sessionID).toEqualTypeOf<string>()
      expectTypeOf(req.sessionStore).toEqualTypeOf<Store>()
      req.session.views = (req.session.views ?? 0) + 1
      res.send(String(req.session.views))
    })
    const { client } = await serve(app)
    const first = await client.get('/').expect(200, '1')
    await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
  })

  it('a class that extends Store is checked against the store contract', () => {
    class Typed extends Store {
      override get(_sid: string, cb: (err: unknown, sess?: SessionData | null) => void) {
        cb(null, null)
      }
      override set(_sid: string, _sess: SessionData, cb?: (err?: unknown) => void) {
        cb?.()
      }
      override destroy(_sid: string, cb?: (err?: unknown) => void) {
        cb?.()
      }
    }
    expectTypeOf(new Typed()).toMatchTypeOf<Store>()
    expect(new Typed()).toBeInstanceOf(Store)
  })
})

describe.each(implementations)('options given as undefined ($name)', ({ session }) => {
  /** What one request meets under `session(options)`: the route's view of the session, and the cookie sent. */
  async function outcome(options: SessionOptions) {
    // depd reports to 'deprecation' listeners instead of printing; the warnings are chapter 03's business
    const quiet = () => undefined
    process.on('deprecation', quiet)
    try {
      const middleware = session(options)
      const { client } = await serve((req, res) => {
        middleware(req, res, (err) => {
          const sessioned = req as SessionedRequest
          res.end(
            err instanceof Error
              ? `error: ${err.message}`
              : `id of ${sessioned.sessionID.length} characters, MemoryStore: ${sessioned.sessionStore instanceof session.MemoryStore}`
          )
        })
      })
      const res = await client.get('/')
      const cookie = sessionCookie(res)
      return { body: res.text, cookie: cookie && { name: cookie.name, attributes: cookie.attributes } }
    } finally {
      process.off('deprecation', quiet)
    }
  }

  it('every option given as undefined is taken as left out', async () => {
    const allUndefined: SessionOptions = {
      cookie: undefined,
      genid: undefined,
      name: undefined,
      key: undefined,
      proxy: undefined,
      resave: undefined,
      rolling: undefined,
      saveUninitialized: undefined,
      secret: undefined,
      store: undefined,
      unset: undefined
    }
    // with no secret at all, the request fails the same way
    expect(await outcome(allUndefined)).toEqual(await outcome({}))
    expect(await outcome(allUndefined)).toEqual({
      body: 'error: secret option required for sessions',
      cookie: undefined
    })
    // with a secret, everything else undefined is the defaults: connect.sid, Path=/ and HttpOnly, a MemoryStore, 24-byte ids
    const withSecret = await outcome({ ...allUndefined, secret: 's' })
    expect(withSecret).toEqual(await outcome({ secret: 's' }))
    expect(withSecret).toEqual({
      body: 'id of 32 characters, MemoryStore: true',
      cookie: { name: 'connect.sid', attributes: { path: '/', httponly: true } }
    })
  })
})
