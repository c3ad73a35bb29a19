/**
 * Chapter 14 — the lost update: two requests load the same session, each
 * adds to the cart, the later save overwrites the earlier. The gates make
 * the losing order happen every time; versionStore refuses or merges the
 * stale save.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import express, { type NextFunction, type Request, type Response } from 'express'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { SessionData, Store } from '../src/index.js'
import { sessionPromises } from '../src/extras/promises.js'
import { StaleSessionError, versionStore, type VersionOptions } from '../src/extras/versioned-store.js'
import { indexSessionsByUser } from '../src/extras/log-out-everywhere.js'
import { guardStore } from '../src/stores/guarded-store.js'
import { data, eventually, gate, type Gate, route, type TestData as Data } from './support/apps.js'
import { cookieHeader, sessionId } from './support/cookies.js'
import { serve } from './support/http.js'
import { implementations, type SessionModule } from './support/implementations.js'
import { storeGet, storeSet, viaCallback } from './support/stores.js'
import { FileStore } from '../src/stores/file-store.js'

/** Keep both carts' items: the merge a cart wants. */
const unionOfCarts = (stored: SessionData, mine: SessionData): SessionData => {
  const [a, b] = [(stored as Data).cart ?? [], (mine as Data).cart ?? []]
  return { ...mine, cart: [...new Set([...a, ...b])] } as SessionData
}

/**
 * A shop: /start makes an empty cart, /add/:item adds one (held at that
 * item's gate, once it has loaded the session), /cart and /peek read it
 * (/peek held at its gate), /logout destroys the
 * session. With `explicitSave`, /add saves before answering and turns a
 * refused save into 409 Conflict.
 */
async function shop(session: SessionModule, store: Store, explicitSave = false, resave = false) {
  const gates = new Map<string, Gate>()
  const lateErrors: unknown[] = []
  const gateOf = (item: string): Gate => {
    let itemGate = gates.get(item)
    if (!itemGate) gates.set(item, (itemGate = gate()))
    return itemGate
  }
  const app = express()
  app.use(session({ store, secret: 'chapter 14', resave, saveUninitialized: false }))
  app.get('/start', (req, res) => {
    data(req).cart = []
    res.end()
  })
  app.get(
    '/add/:item',
    route(async (req: Request, res: Response) => {
      const item = req.params.item as string
      gateOf(item).enter()
      await gateOf(item).opened
      data(req).cart = [...(data(req).cart ?? []), item]
      if (explicitSave) {
        const refused = await sessionPromises(req)
          .save()
          .then(
            () => false,
            (err: unknown) => err instanceof StaleSessionError
          )
        if (refused) {
          res.status(409).end('conflict: reload and try again')
          return
        }
      }
      res.end('added')
    })
  )
  app.get('/cart', (req, res) => {
    res.json(data(req).cart ?? null)
  })
  app.get(
    '/peek',
    route(async (req: Request, res: Response) => {
      gateOf('peek').enter()
      await gateOf('peek').opened
      res.json(data(req).cart ?? null)
    })
  )
  app.post(
    '/logout',
    route(async (req: Request, res: Response) => {
      await sessionPromises(req).destroy()
      res.end()
    })
  )
  app.use((err: Error, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      lateErrors.push(err)
      return
    }
    next(err)
  })
  const served = await serve(app)
  return { ...served, gateOf, lateErrors }
}

/** Two requests load the cart, then apple saves, then pear: the order that loses an update. */
async function race(session: SessionModule, store: Store, explicitSave = false) {
  const { client, gateOf, lateErrors } = await shop(session, store, explicitSave)
  const cookie = cookieHeader(await client.get('/start'))
  const apple = client
    .get('/add/apple')
    .set('Cookie', cookie)
    .then((r) => r)
  const pear = client
    .get('/add/pear')
    .set('Cookie', cookie)
    .then((r) => r)
  await Promise.all([gateOf('apple').entered, gateOf('pear').entered])
  gateOf('apple').open()
  const first = await apple
  gateOf('pear').open()
  const second = await pear
  const cart = (await client.get('/cart').set('Cookie', cookie)).body as string[]
  return { statuses: [first.status, second.status], cart, client, cookie, lateErrors }
}

describe.each(implementations)('$name', ({ session }) => {
  it('without the check, two requests that each add to the cart lose one item', async () => {
    const { statuses, cart } = await race(session, new session.MemoryStore())
    expect(statuses).toEqual([200, 200])
    expect(cart).toEqual(['pear'])
  })

  it('with a merge function, both items are kept', async () => {
    const { statuses, cart, lateErrors } = await race(
      session,
      versionStore(new session.MemoryStore(), { merge: unionOfCarts })
    )
    expect(statuses).toEqual([200, 200])
    expect(cart).toEqual(['apple', 'pear'])
    expect(lateErrors).toEqual([])
  })

  it('without a merge, the stale save is refused: the app answers 409, and a retry keeps both', async () => {
    const { statuses, cart, client, cookie, lateErrors } = await race(
      session,
      versionStore(new session.MemoryStore()),
      true
    )
    expect(statuses).toEqual([200, 409])
    expect(cart).toEqual(['apple'])
    await client.get('/add/pear').set('Cookie', cookie).expect(200, 'added')
    expect((await client.get('/cart').set('Cookie', cookie)).body).toEqual(['apple', 'pear'])
    // the end of each response saved again, or touched, without a conflict
    expect(lateErrors).toEqual([])
  })

  it('a stale save at the end of the response, refused, reaches next(err) after the response', async () => {
    const { statuses, cart, lateErrors } = await race(session, versionStore(new session.MemoryStore()))
    expect(statuses).toEqual([200, 200])
    expect(cart).toEqual(['apple'])
    expect(lateErrors).toEqual([
      expect.objectContaining({ name: 'StaleSessionError', code: 'ESTALESESSION', reason: 'changed' })
    ])
  })

  it.each([
    ['without the check, it is written back', false],
    ['with the check, it stays destroyed', true]
  ])('a session destroyed while another request holds it: %s', async (_label, checked) => {
    const store = new session.MemoryStore()
    const { client, gateOf, lateErrors } = await shop(session, checked ? versionStore(store) : store)
    const start = await client.get('/start')
    const slow = client
      .get('/add/apple')
      .set('Cookie', cookieHeader(start))
      .then((r) => r)
    await gateOf('apple').entered
    await client.post('/logout').set('Cookie', cookieHeader(start)).expect(200)
    gateOf('apple').open()
    await slow
    const stored = (await storeGet(store, sessionId(start))) as Data | undefined
    if (checked) {
      expect(stored).toBeUndefined()
      await eventually(() => expect(lateErrors).toEqual([expect.objectContaining({ reason: 'gone' })]))
    } else {
      expect(stored?.cart).toEqual(['apple'])
    }
  })

  it('with resave: true, a request that only read no longer writes its stale copy back over a change', async () => {
    const store = new session.MemoryStore()
    const { client, gateOf, lateErrors } = await shop(session, versionStore(store), false, true)
    const start = await client.get('/start')
    const peek = client
      .get('/peek')
      .set('Cookie', cookieHeader(start))
      .then((r) => r)
    await gateOf('peek').entered
    gateOf('apple').open()
    await client.get('/add/apple').set('Cookie', cookieHeader(start)).expect(200)
    gateOf('peek').open()
    expect((await peek).body).toEqual([])
    expect(((await storeGet(store, sessionId(start))) as Data).cart).toEqual(['apple'])
    await eventually(() => expect(lateErrors).toEqual([expect.objectContaining({ reason: 'changed' })]))
  })

  it('a change moves the version on by one; a request that changes nothing leaves it, even with resave', async () => {
    const store = versionStore(new session.MemoryStore())
    const { client, gateOf } = await shop(session, store, false, true)
    gateOf('apple').open()
    const start = await client.get('/start')
    const version = async () => ((await storeGet(store, sessionId(start))) as Data)._version
    expect(await version()).toBe(1)
    for (let i = 0; i < 3; i++) await client.get('/cart').set('Cookie', cookieHeader(start)).expect(200)
    expect(await version()).toBe(1)
    await client.get('/add/apple').set('Cookie', cookieHeader(start)).expect(200)
    expect(await version()).toBe(2)
  })
})

describe('versionStore, called directly (ours only)', () => {
  const store = () =>
    versionStore(new implementations[0].session.MemoryStore(), { key: 'rev' } satisfies VersionOptions)
  const session = (rev: number | undefined, fields: Record<string, unknown>) =>
    ({ cookie: { expires: null }, ...(rev === undefined ? {} : { rev }), ...fields }) as unknown as SessionData

  it('saves of one id are checked one after another, so two saves from the same copy cannot both pass', async () => {
    const s = store()
    await storeSet(s, 'sid', session(undefined, { n: 0 }))
    const results = await Promise.allSettled([
      storeSet(s, 'sid', session(1, { n: 1 })),
      storeSet(s, 'sid', session(1, { n: 2 }))
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected'])
    expect(await storeGet(s, 'sid')).toMatchObject({ n: 1, rev: 2 })
  })

  it('a FileStore touch moves the expiry and leaves the version', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versioned-'))
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    const files = versionStore(new FileStore({ dir, reapInterval: 0 }), { key: 'rev' })
    const later = new Date(Date.now() + 120_000)
    await storeSet(files, 'sid', session(undefined, { n: 1, cookie: { expires: new Date(Date.now() + 60_000) } }))
    await viaCallback((cb) => files.touch('sid', session(1, { n: 1, cookie: { expires: later } }), cb))
    const stored = await storeGet(files, 'sid')
    expect(stored).toMatchObject({ n: 1, rev: 1 })
    expect(Math.abs(new Date(String(stored?.cookie.expires)).getTime() - later.getTime())).toBeLessThan(1000)
  })

  it('errors of the store reach the callback', async () => {
    const { MemoryStore } = implementations[0].session
    const failingGet = new MemoryStore()
    failingGet.get = (_sid, cb) => setImmediate(cb, new Error('get failed'))
    await expect(storeSet(versionStore(failingGet), 'sid', session(undefined, {}))).rejects.toThrow('get failed')
    const failingSet = new MemoryStore()
    failingSet.set = (_sid, _sess, cb) => setImmediate(() => cb?.(new Error('set failed')))
    await expect(storeSet(versionStore(failingSet), 'sid', session(undefined, {}))).rejects.toThrow('set failed')
  })
})

describe('the store wrappers together (ours only)', () => {
  it('versionStore, indexSessionsByUser and guardStore compose on one store, each doing its part', async () => {
    const store = guardStore(versionStore(new implementations[0].session.MemoryStore(), { merge: unionOfCarts }))
    const sessions = indexSessionsByUser(store, { userOf: (sess) => (sess as Data).user })
    const expires = new Date(Date.now() + 60_000)
    await storeSet(store, 'sid', { cookie: { expires }, user: 'rasmus', cart: [] } as unknown as SessionData)
    const [a, b] = [
      (await storeGet(store, 'sid')) as SessionData & Data,
      (await storeGet(store, 'sid')) as SessionData & Data
    ]
    a.cart?.push('apple')
    b.cart?.push('pear')
    await storeSet(store, 'sid', a)
    await storeSet(store, 'sid', b)
    expect(await storeGet(store, 'sid')).toMatchObject({ cart: ['apple', 'pear'], _version: 3 })
    expect(await sessions.sessionsOf('rasmus')).toEqual(['sid'])
    expect(await sessions.logOutEverywhere('rasmus')).toBe(1)
    expect(await storeGet(store, 'sid')).toBeUndefined()
  })
})
