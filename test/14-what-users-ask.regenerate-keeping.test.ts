/**
 * Chapter 14 — a new id at login that keeps an allow-list of keys: the
 * listed keys cross over, everything else (including what an attacker
 * planted) is dropped, and the old id is gone.
 */
import express, { type NextFunction, type Request, type Response } from 'express'
import { describe, expect, it } from 'vitest'
import type { SessionOptions } from '../src/index.js'
import { sessionPromises } from '../src/extras/promises.js'
import { regenerateKeeping } from '../src/extras/regenerate-keeping.js'
import { data, route, type TestData as Data, withDefaults } from './support/apps.js'
import { cookieHeader, sessionId } from './support/cookies.js'
import { serve } from './support/http.js'
import { implementations, type SessionModule } from './support/implementations.js'
import { storeGet } from './support/stores.js'

/** Copy every key of the old session onto the new one: the request the allow-list answers. */
async function regenerateKeepingEverything(req: Request): Promise<void> {
  const old = { ...(req.session as unknown as Record<string, unknown>) }
  delete old.cookie
  await sessionPromises(req).regenerate()
  Object.assign(req.session, old)
}

/**
 * A shop: /visit stores whatever the query says (a careless app: here is
 * how an attacker plants a key), /login regenerates the way `how` says and
 * records the user, /me shows the session.
 */
async function shop(session: SessionModule, how: 'allow-list' | 'everything', options: SessionOptions = {}) {
  const store = options.store ?? new session.MemoryStore()
  const app = express()
  app.use(session(withDefaults({ store, ...options })))
  app.get('/visit', (req, res) => {
    for (const [key, value] of Object.entries(req.query)) {
      ;(req.session as unknown as Record<string, unknown>)[key] = value === 'true' ? true : value
    }
    res.end()
  })
  app.post(
    '/login',
    route(async (req: Request, res: Response) => {
      const before = req.sessionID
      if (how === 'allow-list') await regenerateKeeping(req, ['cart', 'returnTo'])
      else await regenerateKeepingEverything(req)
      data(req).user = 'rasmus'
      res.json({ before, after: req.sessionID })
    })
  )
  app.get('/me', (req, res) => {
    res.json(data(req))
  })
  app.use((err: Error, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err)
    res.status(500).type('text').send(err.message)
  })
  return { ...(await serve(app)), store }
}

describe.each(implementations)('$name', ({ session }) => {
  it('a login keeps the listed keys, drops the rest, and changes the id', async () => {
    const { client, store } = await shop(session, 'allow-list')
    const planted = cookieHeader(await client.get('/visit?cart=book&returnTo=/checkout&isAdmin=true'))
    const login = await client.post('/login').set('Cookie', planted).expect(200)
    const { before, after } = login.body as { before: string; after: string }
    expect(after).not.toBe(before)
    expect(await storeGet(store, before)).toBeUndefined()
    const me = (await client.get('/me').set('Cookie', cookieHeader(login))).body as Data
    expect(me).toMatchObject({ user: 'rasmus', cart: 'book', returnTo: '/checkout' })
    expect(me).not.toHaveProperty('isAdmin')
    expect((await client.get('/me').set('Cookie', planted)).body).not.toHaveProperty('user')
  })

  it('copying every key instead carries a flag planted before the login into the logged-in session', async () => {
    const { client } = await shop(session, 'everything')
    const planted = cookieHeader(await client.get('/visit?cart=book&isAdmin=true'))
    const login = await client.post('/login').set('Cookie', planted).expect(200)
    const me = (await client.get('/me').set('Cookie', cookieHeader(login))).body as Data
    expect(me).toMatchObject({ user: 'rasmus', isAdmin: true })
  })

  it('a listed key the old session does not hold is not created on the new one', async () => {
    const { client } = await shop(session, 'allow-list')
    const login = await client.post('/login').expect(200)
    const me = (await client.get('/me').set('Cookie', cookieHeader(login))).body as Record<string, unknown>
    expect(Object.keys(me).sort()).toEqual(['cookie', 'user'])
  })

  it('a store that fails to destroy the old session makes it reject, and nothing is carried over', async () => {
    const store = new session.MemoryStore()
    const { client } = await shop(session, 'allow-list', { store })
    const visit = await client.get('/visit?cart=book')
    store.destroy = (_sid, cb) => setImmediate(() => cb?.(new Error('destroy failed')))
    const res = await client.post('/login').set('Cookie', cookieHeader(visit)).expect(500, 'destroy failed')
    expect(sessionId(res)).not.toBe(sessionId(visit))
    expect((await storeGet(store, sessionId(res))) as Data).not.toHaveProperty('cart')
  })
})

describe('what can be listed (ours only)', () => {
  /** A stand-in request whose session records what regenerate left behind. */
  function fakeRequest(data: Record<string, unknown>) {
    const req: { session?: Record<string, unknown> } = {}
    const make = (fields: Record<string, unknown>, id = 'old-id') => {
      const sess = { ...fields }
      Object.defineProperty(sess, 'id', { value: id, enumerable: false })
      Object.defineProperty(sess, 'regenerate', {
        enumerable: false,
        value: (cb: () => void) => {
          req.session = make({ cookie: 'fresh' }, 'new-id')
          setImmediate(cb)
        }
      })
      return sess
    }
    req.session = make(data)
    return req as never as { session: Record<string, unknown> }
  }

  it('without a session on the request, it rejects', async () => {
    await expect(regenerateKeeping({}, ['cart'])).rejects.toThrow(
      'req.session is missing, so there is nothing to regenerate'
    )
  })

  it('the cookie cannot be kept: it is refused at once', () => {
    expect(() => regenerateKeeping(fakeRequest({}) as never, ['cart', 'cookie'])).toThrow(
      'regenerateKeeping cannot keep "cookie"'
    )
  })

  it('names that are not the session’s own data (id, methods) are skipped; __proto__ stays plain data', async () => {
    const planted = JSON.parse('{"cookie":"old","__proto__":{"isAdmin":true},"cart":"book"}') as Record<string, unknown>
    const req = fakeRequest(planted)
    await regenerateKeeping(req as never, ['id', 'regenerate', '__proto__', 'cart'])
    expect(req.session.id).toBe('new-id')
    expect(req.session.cookie).toBe('fresh')
    expect(req.session.cart).toBe('book')
    expect(Object.getPrototypeOf(req.session)).toBe(Object.prototype)
    expect(Object.keys(req.session)).toEqual(['cookie', '__proto__', 'cart'])
  })
})
