/**
 * Chapter 06 — Store: the base class, its three helpers, and both ways of
 * inheriting from it. Each test runs against ours and express-session 1.19.0.
 */
import { EventEmitter } from 'node:events'
import util from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { countVisits, sessionApp, type TestData } from './support/apps.js'
import { cookieHeader, sessionCookie, sessionId } from './support/cookies.js'
import { implementations, type SessionModule } from './support/implementations.js'
import { countCalls, storedSession, storeGet, storeSet, syncStore, viaCallback } from './support/stores.js'
import type { Session, SessionData, SessionRequest, Store } from '../src/index.js'

type Callback = (err?: unknown, value?: unknown) => void

/** A store written the way most published stores are: a function, Store.call and util.inherits. */
function oldStyleStore(session: SessionModule) {
  interface LegacyStore extends Store {
    data: Map<string, string>
  }
  function LegacyStore(this: LegacyStore) {
    session.Store.call(this)
    this.data = new Map()
  }
  util.inherits(LegacyStore, session.Store)
  // TypeScript types a function's prototype as any; the old idiom is what this store shows
  /* eslint-disable @typescript-eslint/no-unsafe-member-access */
  LegacyStore.prototype.get = function (this: LegacyStore, sid: string, cb: Callback) {
    const json = this.data.get(sid)
    setImmediate(cb, null, json ? JSON.parse(json) : null)
  }
  LegacyStore.prototype.set = function (this: LegacyStore, sid: string, sess: SessionData, cb?: Callback) {
    this.data.set(sid, JSON.stringify(sess))
    if (cb) setImmediate(cb)
  }
  LegacyStore.prototype.destroy = function (this: LegacyStore, sid: string, cb?: Callback) {
    this.data.delete(sid)
    if (cb) setImmediate(cb)
  }
  /* eslint-enable @typescript-eslint/no-unsafe-member-access */
  return LegacyStore as unknown as new () => LegacyStore
}

/** A store written as a class that extends Store. */
function classStore(session: SessionModule) {
  return class ClassStore extends session.Store {
    data = new Map<string, string>()
    override get(sid: string, cb: (err: unknown, sess?: SessionData | null) => void) {
      const json = this.data.get(sid)
      setImmediate(cb, null, json ? JSON.parse(json) : null)
    }
    override set(sid: string, sess: SessionData, cb?: (err?: unknown) => void) {
      this.data.set(sid, JSON.stringify(sess))
      if (cb) setImmediate(cb)
    }
    override destroy(sid: string, cb?: (err?: unknown) => void) {
      this.data.delete(sid)
      if (cb) setImmediate(cb)
    }
  }
}

describe.each(implementations)('$name', ({ session }) => {
  describe('the base class', () => {
    it('a Store is an EventEmitter', () => {
      const store = new session.Store()
      expect(store).toBeInstanceOf(EventEmitter)
      let heard = 0
      store.on('connect', () => heard++)
      store.emit('connect')
      expect(heard).toBe(1)
    })

    it('Store can be called as a function, which an ES class cannot', () => {
      class ClassBase extends EventEmitter {}
      const target = Object.create(session.Store.prototype) as object
      expect(() => session.Store.call(target)).not.toThrow()
      expect(() => (ClassBase as unknown as (this: unknown) => void).call(Object.create(ClassBase.prototype))).toThrow(
        /Class constructor ClassBase cannot be invoked without 'new'/
      )
    })

    it("the storage methods are the subclass's: Store itself has none", () => {
      const proto = session.Store.prototype as unknown as Record<string, unknown>
      expect(
        ['get', 'set', 'destroy', 'touch', 'all', 'length', 'clear'].filter((m) => typeof proto[m] === 'function')
      ).toEqual([])
      expect(['regenerate', 'load', 'createSession'].filter((m) => typeof proto[m] === 'function')).toHaveLength(3)
    })
  })

  describe.each([
    ['Store.call(this) with util.inherits', oldStyleStore],
    ['class extends Store', classStore]
  ])('a store written with %s', (_style, makeStore) => {
    it('is an instance of Store and of EventEmitter', () => {
      const Custom = makeStore(session)
      const store = new Custom()
      expect(store).toBeInstanceOf(session.Store)
      expect(store).toBeInstanceOf(EventEmitter)
      expect(typeof store.createSession).toBe('function')
    })

    it('keeps sessions across requests under the middleware', async () => {
      const Custom = makeStore(session)
      const store = new Custom()
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
      expect((JSON.parse(store.data.get(sessionId(first)) as string) as TestData).views).toBe(2)
    })

    it('regenerates through the inherited regenerate()', async () => {
      const Custom = makeStore(session)
      const store = new Custom()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res, next) => {
            if (req.url !== '/login') return countVisits(req, res)
            req.session.regenerate((err) => (err ? next(err) : res.end(req.sessionID)))
          }
        }
      )
      const first = await client.get('/').expect(200, '1')
      const login = await client.get('/login').set('Cookie', cookieHeader(first)).expect(200)
      expect(login.text).not.toBe(sessionId(first))
      expect([...store.data.keys()]).toEqual([login.text])
    })
  })

  describe('regenerate(req, fn)', () => {
    it('destroys the old id, then generates a new session, then calls back', async () => {
      const store = new session.MemoryStore()
      const steps: string[] = []
      store.generate = (req) => {
        steps.push('generate')
        req.sessionID = 'new'
      }
      // eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped: called below with this
      const destroy = store.destroy
      store.destroy = function (sid, cb) {
        steps.push('destroy ' + sid)
        destroy.call(this, sid, cb)
      }
      const req = { sessionID: 'old' } as unknown as SessionRequest
      await new Promise<void>((resolve) =>
        store.regenerate(req, () => {
          steps.push('callback')
          resolve()
        })
      )
      expect(steps).toEqual(['destroy old', 'generate', 'callback'])
      expect(req.sessionID).toBe('new')
    })

    it('still generates a new session when destroy fails, and passes the error on', async () => {
      const store = new session.MemoryStore()
      let generated = false
      store.generate = () => {
        generated = true
      }
      store.destroy = (_sid, cb) => cb?.(new Error('cannot destroy'))
      const err = await new Promise((resolve) => store.regenerate({ sessionID: 'old' } as SessionRequest, resolve))
      expect([generated, (err as Error).message]).toEqual([true, 'cannot destroy'])
    })
  })

  describe('load(sid, fn)', () => {
    it('builds a Session, with a real Cookie, from stored data', async () => {
      const store = new session.MemoryStore()
      const expires = new Date(Date.now() + 60_000)
      store.set('abc', {
        cookie: { originalMaxAge: 60_000, expires, path: '/' },
        user: 'rasmus'
      } as SessionData)
      const sess = await viaCallback((cb) => store.load('abc', cb))
      expect(sess).toBeInstanceOf(session.Session)
      const loaded = sess as InstanceType<SessionModule['Session']> & { user: string }
      expect(loaded.id).toBe('abc')
      expect(loaded.user).toBe('rasmus')
      expect(loaded.cookie).toBeInstanceOf(session.Cookie)
      expect(loaded.cookie.expires).toEqual(expires)
      expect(loaded.req.sessionStore).toBe(store)
    })

    it('calls back with nothing when the store has no such session', async () => {
      const store = new session.MemoryStore()
      const args = await new Promise<unknown[]>((resolve) => store.load('missing', (...a: unknown[]) => resolve(a)))
      expect(args).toEqual([])
    })

    it('passes a store error on', async () => {
      const store = new session.MemoryStore()
      store.get = (_sid, cb) => cb(new Error('store down'))
      const err = await new Promise((resolve) => store.load('abc', resolve))
      expect((err as Error).message).toBe('store down')
    })
  })

  describe('createSession(req, data)', () => {
    it('turns a stored expires string back into a Date and keeps originalMaxAge', () => {
      const store = new session.MemoryStore()
      const req = { sessionID: 'abc', sessionStore: store } as unknown as SessionRequest
      const expires = new Date(Date.now() + 30_000)
      const sess = store.createSession(
        req,
        JSON.parse(
          JSON.stringify({ cookie: { originalMaxAge: 60_000, expires, httpOnly: true, path: '/' }, n: 1 })
        ) as SessionData
      )
      expect(sess.cookie.expires).toBeInstanceOf(Date)
      expect((sess.cookie.expires as Date).getTime()).toBe(expires.getTime())
      expect(sess.cookie.originalMaxAge).toBe(60_000)
      expect(req.session).toBe(sess)
    })

    it('leaves a browser-session cookie without expiry', () => {
      const store = new session.MemoryStore()
      const req = { sessionID: 'abc', sessionStore: store } as unknown as SessionRequest
      const sess = store.createSession(req, {
        cookie: { originalMaxAge: null, path: '/', httpOnly: true }
      } as SessionData)
      expect([sess.cookie.expires, sess.cookie.maxAge, sess.cookie.originalMaxAge]).toEqual([null, null, null])
    })

    it('keeps an expires that is already a Date', () => {
      const store = new session.MemoryStore()
      const req = { sessionID: 'abc', sessionStore: store } as unknown as SessionRequest
      const expires = new Date(Date.now() + 5000)
      const sess = store.createSession(req, { cookie: { originalMaxAge: 5000, expires } } as SessionData)
      expect(sess.cookie.expires).toBe(expires)
    })

    it('keeps originalMaxAge across requests even as time passes', async () => {
      const store = new (classStore(session))()
      const { client } = await sessionApp(
        session,
        { store, cookie: { maxAge: 2000 } },
        {
          respond: (req, res) => {
            res.end(JSON.stringify(req.session.cookie.originalMaxAge))
          }
        }
      )
      const first = await client.get('/')
      await new Promise((resolve) => setTimeout(resolve, 30))
      const second = await client.get('/').set('Cookie', cookieHeader(first))
      // the first value may be 1999: a millisecond can pass between setting maxAge and reading it back
      expect(['1999', '2000']).toContain(first.text)
      expect(second.text).toBe(first.text)
    })
  })
})

/** `store.load` as a promise of the session (rejected when the store has none). */
async function loadSession(store: Store, sid: string): Promise<Session> {
  const loaded = await viaCallback<Session>((cb) => store.load(sid, cb))
  if (!loaded) throw new Error('no session ' + sid)
  return loaded
}

describe.each(implementations)('$name: more of the contract', ({ session }) => {
  it('util.inherits links the prototypes and sets super_, but not the constructors, as class extends would', () => {
    class ClassStore extends EventEmitter {}
    expect([
      Object.getPrototypeOf(session.Store.prototype) === EventEmitter.prototype,
      (session.Store as unknown as { super_: unknown }).super_ === EventEmitter,
      Object.getPrototypeOf(session.Store) === EventEmitter,
      Object.getPrototypeOf(ClassStore) === EventEmitter
    ]).toEqual([true, true, false, true])
  })

  it('with resave: true, a session the route saved itself and left unchanged is touched at the end, not saved again', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(
      session,
      { store, resave: true },
      {
        respond: (req, res) => {
          if (req.url === '/') return countVisits(req, res)
          req.session.save(() => res.end('saved'))
        }
      }
    )
    const first = await client.get('/').expect(200, '1')
    const calls = countCalls(store, 'set', 'touch')
    await client.get('/save').set('Cookie', cookieHeader(first)).expect(200, 'saved')
    expect(calls).toEqual({ set: 1, touch: 1 })
  })

  it('a session from load() can save, reload and destroy itself through the stand-in request', async () => {
    const store = new session.MemoryStore()
    await storeSet(store, 'abc', storedSession(60_000, { user: 'rasmus' }))
    const loaded = (await loadSession(store, 'abc')) as InstanceType<SessionModule['Session']> & { user: string }
    loaded.user = 'alice'
    await viaCallback((cb) => loaded.save(cb))
    const saved = (await storeGet(store, 'abc')) as SessionData & { user: string }
    await viaCallback((cb) => loaded.reload(cb))
    const reloaded = loaded.req.session as unknown as { user: string }
    await viaCallback((cb) => loaded.destroy(cb))
    expect([saved.user, reloaded.user, await storeGet(store, 'abc')]).toEqual(['alice', 'alice', undefined])
  })

  it('regenerate on a session from load() gives genid the stand-in request, and the new session is never stored', async () => {
    const store = new session.MemoryStore()
    const seen: unknown[] = []
    session({
      store,
      secret: 'keyboard cat',
      resave: false,
      saveUninitialized: false,
      genid: (req) => {
        seen.push(Object.keys(req).sort(), req.headers)
        return 'new-id'
      }
    })
    await storeSet(store, 'abc', storedSession(60_000, { user: 'rasmus' }))
    const loaded = await loadSession(store, 'abc')
    await viaCallback((cb) => loaded.regenerate(cb))
    expect(seen).toEqual([['session', 'sessionID', 'sessionStore'], undefined])
    expect([loaded.req.sessionID, Object.keys(store.sessions)]).toEqual(['new-id', []])
  })

  it('with proxy: true, regenerate on a session from load() throws: the stand-in request has no headers', () => {
    const store = syncStore(session.Store)
    session({ store, secret: 'keyboard cat', resave: false, saveUninitialized: false, proxy: true })
    store.sessions.set('abc', JSON.stringify(storedSession(60_000)))
    let loaded: InstanceType<SessionModule['Session']> | undefined
    store.load('abc', (_err, s) => {
      loaded = s
    })
    // this store calls back during the call, so the error comes out of regenerate itself
    let thrown: unknown
    try {
      loaded?.regenerate(() => {})
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(TypeError)
    expect((thrown as Error).message).toMatch(/x-forwarded-proto/)
  })
})

describe.each(implementations)('$name', ({ session }) => {
  it("Store() sets up a new store's EventEmitter state, as EventEmitter's own constructor does", () => {
    expect(Reflect.ownKeys(new session.Store())).toEqual(Reflect.ownKeys(new EventEmitter()))
  })
})

describe.each(implementations)('$name: a session from load() and its cookie', ({ session }) => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('a session from load() can touch and resetMaxAge: its expiry restarts at the stored originalMaxAge', async () => {
    // the clock stands still, so the times read below are exact
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2030, 0, 1) })
    const store = new session.MemoryStore()
    // a minute-long session with one second left
    const stored = {
      cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 1000), httpOnly: true, path: '/' }
    }
    await storeSet(store, 'abc', stored as SessionData)
    const touched = await loadSession(store, 'abc')
    const reset = await loadSession(store, 'abc')
    const before = Math.round((touched.cookie.maxAge as number) / 1000)
    touched.touch()
    reset.resetMaxAge()
    const after = [touched, reset].map((s) => Math.round((s.cookie.maxAge as number) / 1000))
    expect([before, after]).toEqual([1, [60, 60]])
  })
})

describe.each(implementations)('$name: a store that drops originalMaxAge', ({ session }) => {
  /** Two visits that change the session, on a store whose set forgets cookie.originalMaxAge; what the second sent and stored. */
  async function secondVisit(rolling: boolean) {
    const store = new session.MemoryStore()
    const set = store.set.bind(store)
    store.set = (sid, sess, cb) => {
      const copy = JSON.parse(JSON.stringify(sess)) as SessionData
      delete copy.cookie.originalMaxAge
      set(sid, copy, cb)
    }
    const { client } = await sessionApp(
      session,
      { store, rolling, cookie: { maxAge: 60 * 60 * 1000 } },
      { respond: countVisits }
    )
    const first = await client.get('/').expect(200, '1')
    const second = await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
    const stored = await storeGet(store, sessionId(first))
    return {
      firstHasExpires: typeof sessionCookie(first)?.attributes.expires === 'string',
      second: sessionCookie(second) ? { expires: sessionCookie(second)?.attributes.expires ?? 'none' } : 'no cookie',
      storedExpires: stored?.cookie.expires ?? 'none'
    }
  }

  it('after the next touch the cookie has no expiry: the browser is sent nothing new without rolling, a cookie without Expires with it', async () => {
    expect(await secondVisit(false)).toEqual({ firstHasExpires: true, second: 'no cookie', storedExpires: 'none' })
    expect(await secondVisit(true)).toEqual({
      firstHasExpires: true,
      second: { expires: 'none' },
      storedExpires: 'none'
    })
  })
})
