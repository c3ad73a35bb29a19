/**
 * Chapter 11 — security: each attack on a session, mounted against a real
 * server, and shown to fail; bad input by the thousand; stores that fail;
 * and the lost-update race.
 */
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import cookie from 'cookie'
import signature from 'cookie-signature'
import express from 'express'
import type { Request, Response } from 'express'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import session, { MemoryStore, type SessionData, type SessionOptions, type Store } from '../src/index.js'
import { guardStore, StoreTimeoutError } from '../src/stores/guarded-store.js'
import { data, dropSession, eventually, gate, sessionApp, sleep, type TestData } from './support/apps.js'
import { cookieHeader, sessionCookie, sessionId, setCookies, tamperedCookie } from './support/cookies.js'
import { serve } from './support/http.js'
import { implementations } from './support/implementations.js'
import { storeGet } from './support/stores.js'

const SECRET = 'a secret nobody outside the server knows'

/** A signed session cookie for `id`, as the server would write it. */
function signedCookie(id: string, secret: string = SECRET): string {
  return 'connect.sid=' + encodeURIComponent('s:' + signature.sign(id, secret))
}

/** An app with a login route, either with or without regenerate. */
async function loginApp(options: { regenerate: boolean; store?: MemoryStore; cookie?: SessionOptions['cookie'] }) {
  const store = options.store ?? new MemoryStore()
  const app = express()
  app.use(express.urlencoded({ extended: false }))
  app.use(
    session({
      secret: SECRET,
      store,
      resave: false,
      saveUninitialized: true,
      cookie: options.cookie ?? { maxAge: 60_000 }
    })
  )
  app.get('/', (req, res) => {
    res.send(data(req).user ?? 'anonymous')
  })
  app.post('/login', (req, res, next) => {
    const finish = () => {
      data(req).user = 'rasmus'
      req.session.save((err) => (err ? next(err) : res.send('welcome')))
    }
    if (!options.regenerate) return finish()
    req.session.regenerate((err) => (err ? next(err) : finish()))
  })
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.send('bye')))
  })
  return { ...(await serve(app)), store }
}

describe('tampering and forging (ours only)', () => {
  it('a tampered signature is refused: a new session with a new id, and the store is never asked', async () => {
    const store = new MemoryStore()
    const asked: string[] = []
    const get = store.get.bind(store)
    store.get = (sid, cb) => {
      asked.push(sid)
      get(sid, cb)
    }
    const { client } = await loginApp({ regenerate: true, store })
    const login = await client.post('/login')
    const tampered = tamperedCookie(cookieHeader(login))
    asked.length = 0
    const res = await client.get('/').set('Cookie', tampered).expect(200, 'anonymous')
    expect(sessionId(res)).not.toBe(sessionId(login))
    expect(asked).toEqual([])
  })

  it('a cookie signed with another secret is refused', async () => {
    const { client } = await loginApp({ regenerate: true })
    const login = await client.post('/login')
    await client
      .get('/')
      .set('Cookie', signedCookie(sessionId(login), "the attacker's guess"))
      .expect(200, 'anonymous')
  })

  it('an unsigned session id is refused, even the id of a live session', async () => {
    const { client } = await loginApp({ regenerate: true })
    const login = await client.post('/login')
    const res = await client
      .get('/')
      .set('Cookie', 'connect.sid=' + sessionId(login))
      .expect(200, 'anonymous')
    expect(sessionId(res)).not.toBe(sessionId(login))
  })

  it('a well-formed, correctly signed id that is not in the store is never adopted: a new id is issued', async () => {
    const { client, store } = await loginApp({ regenerate: true })
    const planted = crypto.randomBytes(24).toString('base64url')
    const res = await client.get('/').set('Cookie', signedCookie(planted)).expect(200, 'anonymous')
    expect(sessionId(res)).not.toBe(planted)
    expect(Object.keys(store.sessions)).toEqual([sessionId(res)])
  })

  it('the signature check runs in constant time: cookie-signature compares with crypto.timingSafeEqual', async () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual')
    try {
      const { client } = await loginApp({ regenerate: true })
      const login = await client.post('/login')
      spy.mockClear()
      // change one character of the signature, keeping its length, so the comparison is reached
      const value = 's:' + signature.sign(sessionId(login), SECRET)
      const tampered = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A')
      await client
        .get('/')
        .set('Cookie', 'connect.sid=' + encodeURIComponent(tampered))
        .expect(200, 'anonymous')
      expect(spy).toHaveBeenCalledTimes(1)
    } finally {
      spy.mockRestore()
    }
  })
})

describe('session fixation (ours only)', () => {
  /** The attacker gets a cookie, plants it in the victim's browser, the victim logs in, the attacker comes back. */
  async function fixation(regenerate: boolean): Promise<{ attacker: string; victimId: string; plantedId: string }> {
    const { client } = await loginApp({ regenerate })
    const own = await client.get('/').expect('anonymous')
    const planted = cookieHeader(own)
    const login = await client.post('/login').set('Cookie', planted).expect('welcome')
    const attacker = await client.get('/').set('Cookie', planted)
    const victimId = setCookies(login).length > 0 ? sessionId(login) : sessionId(own)
    return { attacker: attacker.text, victimId, plantedId: sessionId(own) }
  }

  it("without regenerate, the attacker who planted the id shares the victim's login", async () => {
    const result = await fixation(false)
    expect(result.attacker).toBe('rasmus')
    expect(result.victimId).toBe(result.plantedId)
  })

  it('with regenerate at login, the planted id is worthless', async () => {
    const result = await fixation(true)
    expect(result.attacker).toBe('anonymous')
    expect(result.victimId).not.toBe(result.plantedId)
  })
})

describe('stolen and stale cookies (ours only)', () => {
  it('a cookie stolen before logout is dead after it', async () => {
    const { client, store } = await loginApp({ regenerate: true })
    const login = await client.post('/login')
    const stolen = cookieHeader(login)
    await client.post('/logout').set('Cookie', stolen).expect('bye')
    const replay = await client.get('/').set('Cookie', stolen).expect(200, 'anonymous')
    expect(sessionId(replay)).not.toBe(sessionId(login))
    expect(await storeGet(store, sessionId(login))).toBeUndefined()
  })

  it('an expired session is dead, whatever the client still sends', async () => {
    const { client } = await loginApp({ regenerate: true, cookie: { maxAge: 40 } })
    const login = await client.post('/login')
    await sleep(80)
    await client.get('/').set('Cookie', cookieHeader(login)).expect(200, 'anonymous')
  })

  it('secret rotation: old cookies still open their sessions while the new secret signs', async () => {
    const store = new MemoryStore()
    const before = await sessionApp(
      session,
      { store, secret: 'old' },
      {
        respond: (req, res) => {
          data(req).user = 'rasmus'
          res.end()
        }
      }
    )
    const after = await sessionApp(
      session,
      { store, secret: ['new', 'old'] },
      {
        respond: (req, res) => {
          data(req).views = 1
          res.end(data(req).user)
        }
      }
    )
    const issued = await before.client.get('/')
    const res = await after.client.get('/').set('Cookie', cookieHeader(issued)).expect(200, 'rasmus')
    expect(decodeURIComponent(sessionCookie(res)?.value ?? '')).toBe('s:' + signature.sign(sessionId(issued), 'new'))
  })

  it('a secret retired from the array opens nothing', async () => {
    const store = new MemoryStore()
    const before = await sessionApp(
      session,
      { store, secret: 'old' },
      {
        respond: (req, res) => {
          data(req).user = 'rasmus'
          res.end()
        }
      }
    )
    const retired = await sessionApp(
      session,
      { store, secret: ['new'] },
      {
        respond: (req, res) => {
          res.end(data(req).user ?? 'anonymous')
        }
      }
    )
    const issued = await before.client.get('/')
    await retired.client.get('/').set('Cookie', cookieHeader(issued)).expect(200, 'anonymous')
  })
})

describe('Secure cookies and proxies (ours only)', () => {
  it('a Secure cookie never goes out over plain HTTP, whatever X-Forwarded-Proto claims, unless the proxy is trusted', async () => {
    const untrusted = await sessionApp(session, { cookie: { secure: true } })
    expect(setCookies(await untrusted.client.get('/').set('X-Forwarded-Proto', 'https'))).toEqual([])
    const trusted = await sessionApp(session, { proxy: true, cookie: { secure: true } })
    expect(sessionCookie(await trusted.client.get('/').set('X-Forwarded-Proto', 'https'))?.attributes.secure).toBe(true)
    expect(setCookies(await trusted.client.get('/'))).toEqual([])
  })

  it("behind a proxy, Express's trust proxy setting is what lets the cookie out", async () => {
    const trusting = await sessionApp(
      session,
      { cookie: { secure: true } },
      { configure: (app) => app.set('trust proxy', 'loopback') }
    )
    expect(setCookies(await trusting.client.get('/').set('X-Forwarded-Proto', 'https'))).toHaveLength(1)
    const refusing = await sessionApp(
      session,
      { proxy: false, cookie: { secure: true } },
      { configure: (app) => app.set('trust proxy', 'loopback') }
    )
    expect(setCookies(await refusing.client.get('/').set('X-Forwarded-Proto', 'https'))).toEqual([])
  })
})

describe('SameSite and HttpOnly (ours only)', () => {
  it('the cookie carries HttpOnly by default and the SameSite it is given', async () => {
    const { client } = await sessionApp(session, { cookie: { sameSite: 'lax' } })
    expect(sessionCookie(await client.get('/'))?.attributes).toMatchObject({ httponly: true, samesite: 'Lax' })
  })
})

describe('bad input, generated (ours only)', () => {
  // fixed ids (32 base64url characters, like a real one), so that a replay from the seed meets the same store
  const known = Array.from({ length: 4 }, (_, i) =>
    crypto.createHash('sha256').update(`known session ${i}`).digest('base64url').slice(0, 32)
  )

  /** An app whose store already holds the known sessions, each marked with its owner. */
  async function targetApp() {
    const store = new MemoryStore()
    for (const id of known) {
      store.sessions[id] = JSON.stringify({
        cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 3_600_000), httpOnly: true, path: '/' },
        owner: id
      })
    }
    const app = express()
    app.use(session({ secret: SECRET, store, resave: false, saveUninitialized: false }))
    app.get('/', (req: Request, res: Response) => {
      res.json({ owner: data(req).owner ?? null, id: req.sessionID })
    })
    const served = await serve(app)
    return { port: (served.server.address() as AddressInfo).port }
  }

  /** GET / with these exact header bytes, over a raw socket. */
  function rawGet(port: number, cookieBytes: Buffer): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1')
      const chunks: Buffer[] = []
      socket.on('data', (chunk) => chunks.push(chunk))
      socket.on('error', reject)
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('latin1')
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
        resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) })
      })
      // write, not end: a half-closed client lets Node end the response before its last byte
      socket.write(
        Buffer.concat([
          Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: '),
          cookieBytes,
          Buffer.from('\r\n\r\n')
        ])
      )
    })
  }

  /** The owner the server may attach: only that of a known id, correctly signed, in the first connect.sid. */
  function expectedOwner(headerAsServerSeesIt: string): string | null {
    const value = cookie.parse(headerAsServerSeesIt)['connect.sid']
    if (!value || !value.startsWith('s:')) return null
    const id = signature.unsign(value.slice(2), SECRET)
    return id !== false && known.includes(id) ? id : null
  }

  const noLineBreaks = (s: string) => s.replace(/[\r\n]/g, '')
  const validFor = fc.constantFrom(...known).map((id) => encodeURIComponent('s:' + signature.sign(id, SECRET)))
  const cookieValue = fc.oneof(
    validFor,
    validFor.chain((v) =>
      fc.nat({ max: v.length - 1 }).map((i) => v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1))
    ),
    fc.constantFrom(...known).map((id) => encodeURIComponent('s:' + signature.sign(id, 'wrong secret'))),
    fc.constantFrom(...known),
    fc.string({ unit: 'grapheme', maxLength: 40 }).map(noLineBreaks),
    fc.string({ maxLength: 40 }).map((s) => encodeURIComponent('s:' + signature.sign(s, SECRET))),
    fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', 's%3A', 's:', '""', '"s%3Aab.cd"', '', ';', '=', 's:.', 's:..'),
    fc.integer({ min: 7000, max: 8192 }).map((n) => 's%3A' + 'x'.repeat(n)),
    fc.string({ unit: fc.integer({ min: 0x80, max: 0x10ffff }).map((c) => String.fromCodePoint(c)), maxLength: 20 })
  )
  const cookieName = fc.oneof(
    fc.constant('connect.sid'),
    fc.constant('other'),
    fc.constant(' connect.sid'),
    fc.string({ minLength: 1, maxLength: 12 }).map((s) => noLineBreaks(s).replace(/[;=]/g, '') || 'x')
  )
  // the separator is drawn with the pairs, inside the property, so a failure replays from its seed and shrinks
  const header = fc
    .tuple(
      fc.array(fc.tuple(cookieName, cookieValue), { minLength: 0, maxLength: 30 }),
      fc.constantFrom('; ', ';', ' ; ')
    )
    .map(([pairs, separator]) => pairs.map(([name, value]) => `${name}=${value}`).join(separator))

  it('1,000 generated Cookie headers: never a 5xx, never a crash, never a session the store did not hold for a correctly signed id', async () => {
    const { port } = await targetApp()
    let adopted = 0
    await fc.assert(
      fc.asyncProperty(header, async (text) => {
        const bytes = Buffer.from(text, 'utf8')
        const res = await rawGet(port, bytes)
        expect(res.status).toBeGreaterThanOrEqual(200)
        expect(res.status).toBeLessThan(500)
        if (res.status !== 200) return
        let body: { owner: string | null; id: string }
        try {
          body = JSON.parse(res.body) as typeof body
        } catch {
          throw new Error(
            `not JSON: ${JSON.stringify(res.body.slice(0, 300))} for ${JSON.stringify(text.slice(0, 200))}`
          )
        }
        const owner = expectedOwner(bytes.toString('latin1'))
        expect(body.owner).toBe(owner)
        if (owner === null) expect(known).not.toContain(body.id)
        else adopted++
      }),
      { numRuns: 1000 }
    )
    // the generator must also produce good cookies, or the property proves little
    expect(adopted).toBeGreaterThan(20)
  }, 60_000)

  it('generated session ids and signatures: only the exact signature of a stored id opens it', async () => {
    const { port } = await targetApp()
    const forged = fc
      .tuple(
        fc.oneof(
          fc.constantFrom(...known),
          fc.string({ maxLength: 64 }),
          fc.constantFrom('__proto__', 'constructor', 'toString', '../etc/passwd', '')
        ),
        fc.oneof(fc.base64String({ maxLength: 60 }), fc.constant(''), fc.string({ maxLength: 50 }))
      )
      .map(([id, sig]) => 'connect.sid=' + encodeURIComponent(`s:${id}.${sig}`))
    await fc.assert(
      fc.asyncProperty(forged, async (text) => {
        const bytes = Buffer.from(text, 'utf8')
        const res = await rawGet(port, bytes)
        expect(res.status).toBeLessThan(500)
        if (res.status === 200)
          expect((JSON.parse(res.body) as { owner: string | null }).owner).toBe(expectedOwner(bytes.toString('latin1')))
      }),
      { numRuns: 300 }
    )
  }, 60_000)
})

describe('stores that fail (ours only)', () => {
  /** A MemoryStore whose `method` misbehaves for sessions whose id starts with "bad". */
  function faultyStore(
    method: 'get' | 'set' | 'destroy' | 'touch',
    fault: 'error' | 'silence' | 'throw' | 'corrupt'
  ): MemoryStore {
    const store = new MemoryStore()
    const original = (store[method] as (...args: unknown[]) => void).bind(store)
    ;(store as unknown as Record<string, unknown>)[method] = (sid: string, ...rest: unknown[]) => {
      const cb = rest[rest.length - 1] as (err?: unknown, value?: unknown) => void
      if (!sid.startsWith('bad')) return original(sid, ...rest)
      if (fault === 'error') return setImmediate(cb, new Error(`the disk said no to ${method}`))
      if (fault === 'silence') return
      if (fault === 'throw') throw new Error(`${method} exploded`)
      setImmediate(cb, null, 'this is not session data')
    }
    return store
  }

  /** An app counting visits, with ids "bad…" for the first visitor and "good…" for the others. */
  async function faultApp(store: Store, options: SessionOptions = {}) {
    let n = 0
    return sessionApp(
      session,
      { store, genid: () => (n++ === 0 ? 'bad' : 'good') + crypto.randomBytes(8).toString('hex'), ...options },
      {
        respond: (req, res) => {
          if (req.query.drop) {
            dropSession(req)
            return void res.end('dropped')
          }
          if (req.query.read) return void res.end('read')
          data(req).views = (data(req).views ?? 0) + 1
          res.end(String(data(req).views))
        }
      }
    )
  }

  it.each(['error', 'throw'] as const)(
    'a get that fails (%s) reaches the error handler with a clear message; other visitors are untouched',
    async (fault) => {
      const store = guardStore(faultyStore('get', fault), { timeout: 200 })
      const { client } = await faultApp(store)
      const bad = await client.get('/').expect(200, '1')
      const good = await client.get('/').expect(200, '1')
      const res = await client.get('/').set('Cookie', cookieHeader(bad)).expect(500)
      expect(res.text).toMatch(
        fault === 'error' ? /^the disk said no to get$/ : /^session store get\(\) threw: get exploded$/
      )
      await client.get('/').set('Cookie', cookieHeader(good)).expect(200, '2')
    }
  )

  it('a get that never answers times out, with the store guarded, and the response completes', async () => {
    const store = guardStore(faultyStore('get', 'silence'), { timeout: 50 })
    const { client } = await faultApp(store)
    const bad = await client.get('/')
    const res = await client.get('/').set('Cookie', cookieHeader(bad)).expect(500)
    expect(res.text).toBe(new StoreTimeoutError('get', 50).message)
  })

  it('a get that returns corrupt data fails that request with the TypeError it causes', async () => {
    const { client } = await faultApp(faultyStore('get', 'corrupt'))
    const bad = await client.get('/')
    await client
      .get('/')
      .set('Cookie', cookieHeader(bad))
      .expect(500, /Cannot (read|create) prop/)
  })

  it.each([
    ['set', 'error', {}],
    ['set', 'silence', {}],
    ['set', 'throw', {}],
    ['touch', 'error', { resave: false }],
    ['touch', 'silence', { resave: false }],
    ['touch', 'throw', { resave: false }],
    ['destroy', 'error', { unset: 'destroy' }],
    ['destroy', 'silence', { unset: 'destroy' }],
    ['destroy', 'throw', { unset: 'destroy' }]
  ] as const)(
    'a %s that fails (%s) at the end of the response: the response completes and the error reaches next(err)',
    async (method, fault, options) => {
      const store = guardStore(faultyStore(method, fault), { timeout: 50 })
      const { client, lateErrors } = await faultApp(store, options)
      const first = method === 'set' ? undefined : await client.get('/').expect(200, '1')
      const path = { set: '/', touch: '/?read=1', destroy: '/?drop=1' }[method]
      const res = await client.get(path).set('Cookie', first ? cookieHeader(first) : '')
      expect(res.status).toBe(200)
      expect(res.text).toBe({ set: '1', touch: 'read', destroy: 'dropped' }[method])
      await eventually(() => expect(String((lateErrors[0] as Error)?.message)).toMatch(new RegExp(`${method}`)))
    }
  )

  it('without the guard, a store that throws inside set leaves the response unfinished, as express-session does', async () => {
    const store = faultyStore('set', 'throw')
    const finished: boolean[] = []
    const app = express()
    app.use(
      session({
        secret: SECRET,
        store,
        genid: () => 'bad' + crypto.randomBytes(8).toString('hex'),
        resave: false,
        saveUninitialized: true
      })
    )
    app.get('/', (req, res) => {
      data(req).views = 1
      res.end('never arrives')
    })
    app.use((err: Error, _req: Request, res: Response, _next: (err?: unknown) => void) => {
      res.status(500).end(err.message)
      finished.push(res.writableEnded)
      res.socket?.destroy()
    })
    const { client } = await serve(app)
    await expect(client.get('/')).rejects.toThrow(/socket hang up|ECONNRESET/)
    expect(finished).toEqual([false])
  })

  it('a guarded store keeps its EventEmitter, its other methods, and its absence of touch', () => {
    const plain = guardStore(
      new (class extends session.Store {
        override get() {}
        override set() {}
        override destroy() {}
      })()
    )
    expect([typeof plain.on, typeof plain.touch, typeof plain.get]).toEqual(['function', 'undefined', 'function'])
    const memory = guardStore(new MemoryStore())
    expect(Object.keys(memory)).not.toContain('get')
  })

  it('a guarded call that answers in time passes its results through, once', async () => {
    const store = guardStore(new MemoryStore(), { timeout: 1000 })
    const results: unknown[] = []
    await new Promise<void>((resolve) =>
      store.set('abc', { cookie: { expires: null } } as SessionData, () => resolve())
    )
    await new Promise<void>((resolve) =>
      store.length((err, n) => {
        results.push(err, n)
        resolve()
      })
    )
    expect(results).toEqual([null, 1])
  })

  it('a guard without a time limit never times out', async () => {
    const store = guardStore(faultyStore('get', 'silence'), { timeout: 0 })
    let answered = false
    store.get('bad-1', () => {
      answered = true
    })
    await sleep(30)
    expect(answered).toBe(false)
  })
})

describe('two requests on one session at once (ours only)', () => {
  /** An app with /write-a, /write-b (each sets one field) and /read (changes nothing), each held by a gate. */
  async function raceApp(resave: boolean) {
    const store = new MemoryStore()
    const gates = { a: gate(), b: gate(), read: gate() }
    const app = express()
    app.use(session({ secret: SECRET, store, resave, saveUninitialized: true }))
    app.get('/start', (req, res) => {
      data(req).a = 0
      data(req).b = 0
      res.end()
    })
    for (const [path, name] of [
      ['/write-a', 'a'],
      ['/write-b', 'b'],
      ['/read', 'read']
    ] as const) {
      app.get(path, async (req, res) => {
        gates[name].enter()
        await gates[name].opened
        if (name !== 'read') data(req)[name] = 1
        res.end(name)
      })
    }
    const served = await serve(app)
    return { ...served, store, gates }
  }

  /** The stored a and b of the one session. */
  function stored(store: MemoryStore): { a?: number; b?: number } {
    const [json] = Object.values(store.sessions)
    const { a, b } = JSON.parse(json) as TestData
    return { a, b }
  }

  it.each([true, false])(
    'two requests that both change the session: the last save wins, the other update is lost (resave: %s)',
    async (resave) => {
      const { client, store, gates } = await raceApp(resave)
      const start = cookieHeader(await client.get('/start'))
      const a = client
        .get('/write-a')
        .set('Cookie', start)
        .then((r) => r)
      const b = client
        .get('/write-b')
        .set('Cookie', start)
        .then((r) => r)
      await Promise.all([gates.a.entered, gates.b.entered])
      gates.a.open()
      await a
      gates.b.open()
      await b
      expect(stored(store)).toEqual({ a: 0, b: 1 })
    }
  )

  it('with resave: true, a request that only reads writes its stale copy back over a concurrent change', async () => {
    const { client, store, gates } = await raceApp(true)
    const start = cookieHeader(await client.get('/start'))
    const read = client
      .get('/read')
      .set('Cookie', start)
      .then((r) => r)
    await gates.read.entered
    gates.a.open()
    await client.get('/write-a').set('Cookie', start)
    expect(stored(store)).toEqual({ a: 1, b: 0 })
    gates.read.open()
    await read
    expect(stored(store)).toEqual({ a: 0, b: 0 })
  })

  it('with resave: false, a request that only reads leaves a concurrent change alone', async () => {
    const { client, store, gates } = await raceApp(false)
    const start = cookieHeader(await client.get('/start'))
    const read = client
      .get('/read')
      .set('Cookie', start)
      .then((r) => r)
    await gates.read.entered
    gates.a.open()
    await client.get('/write-a').set('Cookie', start)
    gates.read.open()
    await read
    expect(stored(store)).toEqual({ a: 1, b: 0 })
  })
})

/** cookie-signature as express-session 1.19.0 loads it: the 1.0.x copy installed under it. */
function upstreamCookieSignature(): typeof signature {
  const require = createRequire(import.meta.url)
  return createRequire(require.resolve('express-session'))('cookie-signature') as typeof signature
}

describe('the two cookie-signature versions', () => {
  it('cookie-signature 1.0.7, which express-session uses, and 1.2.2, which we use, accept and refuse the same values', () => {
    const theirs = upstreamCookieSignature()
    const signed = fc.string({ unit: 'grapheme', maxLength: 40 }).map((id) => signature.sign(id, SECRET))
    const value = fc.oneof(
      signed,
      signed.chain((v) =>
        fc.nat({ max: v.length - 1 }).map((i) => v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1))
      ),
      signed.map((v) => v.slice(0, -1)),
      fc.string({ unit: 'grapheme', maxLength: 60 })
    )
    let accepted = 0
    fc.assert(
      fc.property(value, (v) => {
        const ours = signature.unsign(v, SECRET)
        expect(theirs.unsign(v, SECRET)).toBe(ours)
        if (ours !== false) accepted++
      }),
      { numRuns: 1000 }
    )
    // the values must include good signatures, or agreeing on "no" proves little
    expect(accepted).toBeGreaterThan(100)
  })
})

/**
 * The checklist's secrets, from an environment: the current secret signs,
 * the previous one, while it is set, still verifies. The same lines as the
 * production checklist in chapter 11, with `env` for `process.env`.
 */
function checklistSecrets(env: Record<string, string | undefined>): string[] {
  const current = env.SESSION_SECRET
  if (!current) throw new Error('set SESSION_SECRET: a long random string')
  const previous = env.SESSION_SECRET_OLD
  return previous ? [current, previous] : [current]
}

describe.each(implementations)('what the chapter says express-session does, on $name', ({ session: impl }) => {
  /** An app that says who is logged in; `?login` logs rasmus in. */
  function whoApp(options: SessionOptions) {
    return sessionApp(impl, options, {
      respond: (req, res) => {
        if (req.query.login !== undefined) data(req).user = 'rasmus'
        res.end(data(req).user ?? 'anonymous')
      }
    })
  }

  it('with no cookie options, the session cookie carries no SameSite, no Secure and no expiry', async () => {
    const { client } = await sessionApp(impl, { cookie: {} })
    const cookie = sessionCookie(await client.get('/'))
    expect(cookie?.name).toBe('connect.sid')
    const attributes = cookie?.attributes ?? {}
    expect([attributes.samesite, attributes.secure, attributes.expires, attributes['max-age']]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined
    ])
  })

  it('a store whose get throws: the exception reaches the error handler, as one thrown by any middleware does', async () => {
    const store = new impl.MemoryStore()
    const { client } = await whoApp({ store })
    const first = await client.get('/?login').expect(200, 'rasmus')
    store.get = () => {
      throw new Error('get exploded')
    }
    await client.get('/').set('Cookie', cookieHeader(first)).expect(500, 'get exploded')
  })

  it('a store whose get has not called back holds the request before the route, which runs once the store answers', async () => {
    const store = new impl.MemoryStore()
    const waiting: Array<() => void> = []
    let routes = 0
    const { client } = await sessionApp(
      impl,
      { store },
      {
        respond: (_req, res) => {
          routes++
          res.end('answered')
        }
      }
    )
    const first = await client.get('/')
    const get = store.get.bind(store)
    store.get = (sid, cb) => {
      waiting.push(() => get(sid, cb))
    }
    const second = client
      .get('/')
      .set('Cookie', cookieHeader(first))
      .then((res) => res)
    await eventually(() => expect(waiting).toHaveLength(1))
    expect(routes).toBe(1)
    waiting[0]()
    expect((await second).text).toBe('answered')
    expect(routes).toBe(2)
  })

  it('a store whose set throws, with no guard: the response never finishes, not even from the error handler', async () => {
    const store = new impl.MemoryStore()
    store.set = () => {
      throw new Error('set exploded')
    }
    const finished: boolean[] = []
    const app = express()
    app.use(impl({ secret: SECRET, store, resave: false, saveUninitialized: true }))
    app.get('/', (req, res) => {
      data(req).views = 1
      res.end('never arrives')
    })
    app.use((err: Error, _req: Request, res: Response, next: (err?: unknown) => void) => {
      // an error handler takes four arguments; this one never passes the error on
      void next
      res.status(500).end(err.message)
      finished.push(res.writableEnded)
      res.socket?.destroy()
    })
    const { client } = await serve(app)
    await expect(client.get('/')).rejects.toThrow(/socket hang up|ECONNRESET/)
    expect(finished).toEqual([false])
  })

  it('a secret array that holds undefined (an unset environment variable) answers a tampered cookie with a 500: "Secret key must be provided."', async () => {
    const { client } = await whoApp({ secret: ['the new secret', undefined as unknown as string] })
    const login = await client.get('/?login').expect(200, 'rasmus')
    const tampered = tamperedCookie(cookieHeader(login))
    await client.get('/').set('Cookie', tampered).expect(500, 'Secret key must be provided.')
  })

  it("the checklist's secrets leave out an unset old secret: a tampered cookie gets a new session, and an old cookie opens its session while the old secret is set", async () => {
    expect(() => checklistSecrets({})).toThrow('set SESSION_SECRET')
    const store = new impl.MemoryStore()
    const before = await whoApp({ store, secret: checklistSecrets({ SESSION_SECRET: 'old' }) })
    const issued = await before.client.get('/?login').expect(200, 'rasmus')

    const unset = await whoApp({ store, secret: checklistSecrets({ SESSION_SECRET: 'new' }) })
    const tampered = tamperedCookie(cookieHeader(issued))
    await unset.client.get('/').set('Cookie', tampered).expect(200, 'anonymous')
    await unset.client.get('/').set('Cookie', cookieHeader(issued)).expect(200, 'anonymous')

    const rotating = await whoApp({
      store,
      secret: checklistSecrets({ SESSION_SECRET: 'new', SESSION_SECRET_OLD: 'old' })
    })
    await rotating.client.get('/').set('Cookie', cookieHeader(issued)).expect(200, 'rasmus')
    await rotating.client.get('/').set('Cookie', tampered).expect(200, 'anonymous')
  })
})
