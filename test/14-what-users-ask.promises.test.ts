/**
 * Chapter 14 — promises for req.session's callback methods, through a
 * wrapper that works on both implementations and leaves the session as it
 * was.
 */
import { promisify } from 'node:util'
import type { Request, Response } from 'express'
import { describe, expect, it } from 'vitest'
import { sessionPromises } from '../src/extras/promises.js'
import { data, route, sessionApp, type TestData as Data } from './support/apps.js'
import { cookieHeader, sessionId } from './support/cookies.js'
import { implementations } from './support/implementations.js'
import { storeGet, storeSet } from './support/stores.js'

/** A promise's outcome as text: its error's message when it rejects. */
function outcome(promise: Promise<void>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (err: Error) => err.message
  )
}

describe.each(implementations)('$name', ({ session }) => {
  it('await save() resolves once the store has the session', async () => {
    const store = new session.MemoryStore()
    const respond = route(async (req: Request, res: Response) => {
      data(req).user = 'rasmus'
      await sessionPromises(req).save()
      const stored = (await storeGet(store, req.sessionID)) as Data | undefined
      res.send(stored?.user ?? 'not yet')
    })
    const { client } = await sessionApp(session, { store, resave: false, saveUninitialized: false }, { respond })
    await client.get('/').expect(200, 'rasmus')
  })

  it('after regenerate(), the next call acts on the new session', async () => {
    const store = new session.MemoryStore()
    const respond = route(async (req: Request, res: Response) => {
      const sessions = sessionPromises(req)
      const before = req.sessionID
      await sessions.regenerate()
      data(req).user = 'rasmus'
      await sessions.save()
      const old = await storeGet(store, before)
      const fresh = (await storeGet(store, req.sessionID)) as Data | undefined
      res.json({ changed: before !== req.sessionID, old: old ?? null, user: fresh?.user })
    })
    const { client } = await sessionApp(session, { store }, { respond })
    const res = await client.get('/').expect(200)
    expect(res.body).toEqual({ changed: true, old: null, user: 'rasmus' })
  })

  it('a save bound before regenerate() writes the old, discarded session back under its old id', async () => {
    const store = new session.MemoryStore()
    const respond = route(async (req: Request, res: Response) => {
      const before = req.sessionID
      const boundSave = promisify(req.session.save.bind(req.session))
      await sessionPromises(req).regenerate()
      await boundSave()
      res.json({ oldIdBack: (await storeGet(store, before)) !== undefined, newId: req.sessionID !== before })
    })
    const { client } = await sessionApp(session, { store }, { respond })
    expect((await client.get('/').expect(200)).body).toEqual({ oldIdBack: true, newId: true })
  })

  it('await reload() brings in what another request saved; await destroy() removes the session', async () => {
    const store = new session.MemoryStore()
    const respond = route(async (req: Request, res: Response) => {
      const sessions = sessionPromises(req)
      if (req.path === '/reload') {
        // another request's write, straight into the store
        const stored = await storeGet(store, req.sessionID)
        await storeSet(store, req.sessionID, { ...stored, user: 'alice' } as never)
        await sessions.reload()
        res.send(data(req).user)
      } else if (req.path === '/destroy') {
        await sessions.destroy()
        res.send(req.session === undefined ? 'no session' : 'still a session')
      } else {
        res.end()
      }
    })
    const { client } = await sessionApp(session, { store }, { respond })
    const first = await client.get('/')
    await client.get('/reload').set('Cookie', cookieHeader(first)).expect(200, 'alice')
    await client.get('/destroy').set('Cookie', cookieHeader(first)).expect(200, 'no session')
    expect(await storeGet(store, sessionId(first))).toBeUndefined()
  })

  it.each(['save', 'reload', 'regenerate', 'destroy'] as const)(
    'a store that fails makes %s() reject with the store’s error',
    async (method) => {
      const store = new session.MemoryStore()
      const broken = new Error(`the store broke during ${method}`)
      const respond = route(async (req: Request, res: Response) => {
        // the first visit only makes the session; the second breaks the store once it is loaded
        if (!req.headers.cookie) {
          res.end()
          return
        }
        store.get = (_sid, cb) => setImmediate(cb, broken)
        store.set = (_sid, _sess, cb) => setImmediate(() => cb?.(broken))
        store.destroy = (_sid, cb) => setImmediate(() => cb?.(broken))
        const run = sessionPromises(req)[method]
        const result = await run().then(
          () => 'resolved',
          (err: unknown) => (err === broken ? 'rejected with the store’s error' : 'rejected with another error')
        )
        res.send(result)
      })
      const { client } = await sessionApp(session, { store }, { respond })
      const first = await client.get('/')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'rejected with the store’s error')
    }
  )

  it('a store method that throws instead of calling back becomes a rejection too', async () => {
    const respond = route(async (req: Request, res: Response) => {
      req.sessionStore.set = () => {
        throw new Error('set threw')
      }
      res.send(await outcome(sessionPromises(req).save()))
    })
    const { client } = await sessionApp(session, {}, { respond })
    await client.get('/').expect(200, 'set threw')
  })

  it('reload() rejects when the store no longer has the session', async () => {
    const store = new session.MemoryStore()
    const respond = route(async (req: Request, res: Response) => {
      await new Promise((resolve) => store.destroy(req.sessionID, resolve))
      res.send(await outcome(sessionPromises(req).reload()))
    })
    const { client } = await sessionApp(session, { store }, { respond })
    const first = await client.get('/')
    await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'failed to load session')
  })

  it('without a session (after destroy) a call rejects instead of throwing', async () => {
    const respond = route(async (req: Request, res: Response) => {
      const sessions = sessionPromises(req)
      await sessions.destroy()
      res.send(await outcome(sessions.save()))
    })
    const { client } = await sessionApp(session, {}, { respond })
    await client.get('/').expect(200, 'req.session is missing, so there is nothing to save')
  })

  it('the wrapper leaves req.session alone: each method returns what it returned before', async () => {
    const respond = (req: Request, res: Response) => {
      sessionPromises(req)
      const sess = req.session
      const touched = sess.touch().resetMaxAge()
      const saved: unknown = sess.save()
      const regenerated = sess.regenerate(() => {
        res.json({
          touch: touched === sess,
          save: saved === undefined ? 'nothing (the middleware wraps save)' : 'something',
          regenerate: regenerated === sess,
          then: 'then' in sess
        })
      })
    }
    const { client } = await sessionApp(session, {}, { respond })
    const res = await client.get('/').expect(200)
    expect(res.body).toEqual({
      touch: true,
      save: 'nothing (the middleware wraps save)',
      regenerate: true,
      then: false
    })
  })
})
