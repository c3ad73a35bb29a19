/**
 * Chapter 14 — save, then redirect. The race between a redirect and the
 * store's write, made deterministic: the store finishes its write only
 * after the client has done everything it can with what it has.
 */
import http from 'node:http'
import express, { type NextFunction, type Request, type Response } from 'express'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import type { Store } from '../src/index.js'
import { saveThenRedirect } from '../src/extras/save-then-redirect.js'
import { data, eventually, route } from './support/apps.js'
import { serve } from './support/http.js'
import { implementations, type SessionModule } from './support/implementations.js'
import { holdSets } from './support/stores.js'

/** A login that redirects home, with or without the helper; home says who is logged in. */
async function loginApp(session: SessionModule, store: Store, useHelper: boolean) {
  const responses: Response[] = []
  const app = express()
  app.use(session({ store, secret: 'chapter 14', resave: false, saveUninitialized: false }))
  app.post(
    '/login',
    route(async (req: Request, res: Response) => {
      responses.push(res)
      // without a session (the store is down), there is nobody to log in
      if (req.session) data(req).user = 'rasmus'
      if (useHelper) await saveThenRedirect(req, res, '/', 303)
      else res.redirect(303, '/')
    })
  )
  app.get('/', (req, res) => {
    res.send(data(req).user ?? 'anonymous')
  })
  app.use((err: Error, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err)
    res.status(500).type('text').send(err.message)
  })
  const served = await serve(app)
  return { ...served, lastResponse: () => responses[responses.length - 1] }
}

/** POST to `url` and resolve as soon as the response's headers arrive, as a browser acts on a redirect. */
function postForHeaders(url: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST' }, resolve)
    req.on('error', reject)
    req.end()
  })
}

/**
 * Log in while the store holds its write, and follow the redirect the way
 * a browser does: on the headers alone. The store is as slow as it can be:
 * when the redirect has already left, it finishes writing only after the
 * browser's next request has been answered; when it has not, it has to
 * finish first, since nothing else can happen.
 */
async function loginAndFollow(session: SessionModule, useHelper: boolean) {
  const store = new session.MemoryStore()
  const held = holdSets(store)
  const { url, lastResponse } = await loginApp(session, store, useHelper)
  const redirect = postForHeaders(url + '/login')
  await eventually(() => expect(held.pending()).toBe(1))
  const leftBeforeTheSave = lastResponse().headersSent
  if (!leftBeforeTheSave) held.release()
  const headers = await redirect
  headers.resume()
  const cookie = String(headers.headers['set-cookie']?.[0]).split(';')[0]
  const home = await request(url)
    .get(headers.headers.location ?? '')
    .set('Cookie', cookie)
  if (leftBeforeTheSave) held.release()
  return { leftBeforeTheSave, status: headers.statusCode, home: home.text, writesAfter: held.pending() }
}

describe.each(implementations)('$name', ({ session }) => {
  it('without the helper, a browser that follows the redirect on its headers arrives before the save: logged out', async () => {
    expect(await loginAndFollow(session, false)).toEqual({
      leftBeforeTheSave: true,
      status: 303,
      home: 'anonymous',
      writesAfter: 0
    })
  })

  it('with saveThenRedirect, the redirect leaves only after the save, and the browser arrives logged in', async () => {
    // writesAfter: the end of the response does not write the session a second time
    expect(await loginAndFollow(session, true)).toEqual({
      leftBeforeTheSave: false,
      status: 303,
      home: 'rasmus',
      writesAfter: 0
    })
  })

  it('a save that fails does not redirect: the error reaches the error handler', async () => {
    const store = new session.MemoryStore()
    store.set = (_sid, _sess, cb) => setImmediate(() => cb?.(new Error('the store is full')))
    const { client } = await loginApp(session, store, true)
    const res = await client.post('/login').expect(500, 'the store is full')
    expect(res.headers.location).toBeUndefined()
  })

  it('a request without a session (the store is down) is redirected at once', async () => {
    const store = new session.MemoryStore()
    const { client } = await loginApp(session, store, true)
    store.emit('disconnect')
    await client.post('/login').expect(303).expect('Location', '/')
  })
})
