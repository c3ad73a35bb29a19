/**
 * Chapter 05 — the end of the response: when the cookie is written, when
 * the session is saved, touched or destroyed, and how `res.end` waits for
 * the store. Each test runs against ours and against express-session 1.19.0.
 */
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net, { type AddressInfo } from 'node:net'
import { once } from 'node:events'
import type { Request, Response } from 'express'
import type { Response as SupertestResponse } from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  countVisits,
  data,
  dropSession,
  eventually,
  plainApp,
  readOnly,
  sessionApp,
  sleep,
  type SessionApp,
  type TestData
} from './support/apps.js'
import { cookieHeader, parseSetCookie, sessionCookie, sessionId, setCookies } from './support/cookies.js'
import { captureDebug, freshImplementations } from './support/fresh.js'
import { closeServer } from './support/http.js'
import { bothImplementations, implementations, type SessionModule } from './support/implementations.js'
import { countCalls, holdSets, storeGet, storeSet, syncStore } from './support/stores.js'
import type { SessionData, SessionOptions, Store } from '../src/index.js'

type Data = TestData

const fixtures = new URL('./fixtures/', import.meta.url)

describe.each(implementations)('$name', ({ session }) => {
  describe('when the cookie is sent', () => {
    it('a new session gets a cookie when saveUninitialized is true', async () => {
      const { client } = await sessionApp(session, { saveUninitialized: true })
      const res = await client.get('/').expect(200)
      expect(sessionCookie(res)?.name).toBe('connect.sid')
    })

    it('an untouched new session gets no cookie when saveUninitialized is false', async () => {
      const { client } = await sessionApp(session, { saveUninitialized: false })
      const res = await client.get('/').expect(200)
      expect(setCookies(res)).toEqual([])
    })

    it('a new session gets a cookie once it holds data, even when saveUninitialized is false', async () => {
      const { client } = await sessionApp(session, { saveUninitialized: false }, { respond: countVisits })
      const res = await client.get('/').expect(200, '1')
      expect(sessionCookie(res)?.name).toBe('connect.sid')
    })

    it('a known session that did not change gets no cookie', async () => {
      const { client } = await sessionApp(session, {}, { respond: readOnly })
      const first = await client.get('/').expect(200)
      const second = await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      expect(setCookies(second)).toEqual([])
    })

    it('a known session that changed gets its cookie again, with a new expiry', async () => {
      const { client } = await sessionApp(session, {}, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      const second = await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
      expect(sessionCookie(second)?.value).toBe(sessionCookie(first)?.value)
      expect(sessionCookie(second)?.attributes.expires).toBeTypeOf('string')
    })

    it('a browser-session cookie is sent once, not again when the session changes', async () => {
      const { client } = await sessionApp(session, { cookie: {} }, { respond: countVisits })
      const first = await client.get('/').expect(200, '1')
      expect(sessionCookie(first)?.attributes.expires).toBeUndefined()
      const second = await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
      expect(setCookies(second)).toEqual([])
    })

    it('with rolling, every response carries the cookie', async () => {
      const { client } = await sessionApp(session, { rolling: true }, { respond: readOnly })
      const first = await client.get('/').expect(200)
      const second = await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      expect(sessionCookie(second)?.name).toBe('connect.sid')
    })

    it('with rolling but not saveUninitialized, an untouched new session still gets no cookie', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store, rolling: true, saveUninitialized: false })
      const res = await client.get('/').expect(200)
      expect(setCookies(res)).toEqual([])
      expect(store.sessions).toEqual({})
    })

    it('with rolling, the cookie goes out even when the body is written slowly', async () => {
      const { client } = await sessionApp(
        session,
        { rolling: true },
        {
          respond: (req, res) => {
            data(req).user = 'bob'
            res.write('hello, ')
            setTimeout(() => res.end('world!'), 20)
          }
        }
      )
      const res = await client.get('/').expect(200, 'hello, world!')
      expect(sessionCookie(res)?.name).toBe('connect.sid')
    })

    it('cookies the route set with setHeader are kept beside the session cookie', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (_req, res) => {
            res.setHeader('Set-Cookie', ['a=1', 'b=2'])
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(setCookies(res).map((c) => parseSetCookie(c).name)).toEqual(['a', 'b', 'connect.sid'])
    })

    it('a single cookie string set by the route is kept too', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (_req, res) => {
            res.setHeader('Set-Cookie', 'previous=cookieValue')
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(setCookies(res).map((c) => parseSetCookie(c).name)).toEqual(['previous', 'connect.sid'])
    })

    it('cookies passed to writeHead are kept beside the session cookie', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (_req, res) => {
            res.writeHead(200, { 'Set-Cookie': 'previous=cookieValue' })
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(setCookies(res).map((c) => parseSetCookie(c).name)).toEqual(['previous', 'connect.sid'])
    })

    it('a bogus req.sessionID means no cookie and no save', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            ;(req as unknown as { sessionID: unknown }).sessionID = function () {}
            data(req).views = 1
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(setCookies(res)).toEqual([])
      expect(store.sessions).toEqual({})
    })

    it('an error while writing the cookie reaches next(err) and the response still completes', async () => {
      const { client, lateErrors } = await sessionApp(
        session,
        { cookie: { expires: new Date(NaN) } },
        {
          respond: (_req, res) => {
            res.end('done')
          }
        }
      )
      await client.get('/').expect(200, 'done')
      await eventually(() => expect((lateErrors[0] as Error)?.message).toBe('option expires is invalid'))
    })
  })

  describe('Secure cookies and proxies', () => {
    it('a Secure cookie is not sent over plain HTTP', async () => {
      const { client } = await sessionApp(session, { cookie: { secure: true } })
      const res = await client.get('/').set('X-Forwarded-Proto', 'https').expect(200)
      expect(setCookies(res)).toEqual([])
    })

    it('a Secure cookie is sent over real HTTPS', async () => {
      const { listener } = await httpsListener(session, { cookie: { secure: true } })
      const res = await httpsGet(listener)
      expect(res.setCookie?.[0]).toMatch(/^connect\.sid=.*; Secure$/)
    })

    it('with proxy: true, X-Forwarded-Proto: https counts as secure', async () => {
      const { client } = await sessionApp(session, { proxy: true, cookie: { secure: true } })
      const res = await client.get('/').set('X-Forwarded-Proto', 'https').expect(200)
      expect(sessionCookie(res)?.attributes.secure).toBe(true)
    })

    it('with proxy: true, only the first X-Forwarded-Proto hop counts, case and spaces aside', async () => {
      const { client } = await sessionApp(session, { proxy: true, cookie: { secure: true } })
      expect(setCookies(await client.get('/').set('X-Forwarded-Proto', ' HTTPS ,http'))).toHaveLength(1)
      expect(setCookies(await client.get('/').set('X-Forwarded-Proto', 'http,https'))).toEqual([])
      expect(setCookies(await client.get('/'))).toEqual([])
    })

    it("with proxy: false, neither X-Forwarded-Proto nor Express's req.secure is trusted", async () => {
      const { client } = await sessionApp(
        session,
        { proxy: false, cookie: { secure: true } },
        {
          configure: (app) => app.set('trust proxy', true),
          respond: (req, res) => {
            res.end(String(req.secure))
          }
        }
      )
      const res = await client.get('/').set('X-Forwarded-Proto', 'https').expect(200, 'true')
      expect(setCookies(res)).toEqual([])
    })

    it("with proxy unset, Express's trust proxy setting decides through req.secure", async () => {
      const trusting = await sessionApp(
        session,
        { cookie: { secure: true } },
        { configure: (app) => app.set('trust proxy', true) }
      )
      expect(setCookies(await trusting.client.get('/').set('X-Forwarded-Proto', 'https'))).toHaveLength(1)
      const wary = await sessionApp(session, { cookie: { secure: true } })
      expect(setCookies(await wary.client.get('/').set('X-Forwarded-Proto', 'https'))).toEqual([])
    })

    it('secure: "auto" marks the cookie Secure only when the request is secure', async () => {
      const { client } = await sessionApp(session, { proxy: true, cookie: { secure: 'auto' } })
      const overHttps = await client.get('/').set('X-Forwarded-Proto', 'https').expect(200)
      expect(sessionCookie(overHttps)?.attributes.secure).toBe(true)
      const overHttp = await client.get('/').expect(200)
      expect(sessionCookie(overHttp)?.attributes.secure).toBeUndefined()
    })

    it('sameSite: "auto" picks None over HTTPS and Lax over HTTP', async () => {
      const { client } = await sessionApp(session, { proxy: true, cookie: { sameSite: 'auto', secure: 'auto' } })
      const overHttps = await client.get('/').set('X-Forwarded-Proto', 'https').expect(200)
      expect(sessionCookie(overHttps)?.attributes.samesite).toBe('None')
      const overHttp = await client.get('/').expect(200)
      expect(sessionCookie(overHttp)?.attributes.samesite).toBe('Lax')
    })

    it('"auto" is not resolved when cookie is a function: the value reaches the cookie as given', async () => {
      const { client, lateErrors } = await sessionApp(
        session,
        { cookie: () => ({ sameSite: 'auto' }) },
        {
          respond: (_req, res) => {
            res.end('ok')
          }
        }
      )
      const res = await client.get('/').expect(200, 'ok')
      expect(setCookies(res)).toEqual([])
      await eventually(() => expect((lateErrors[0] as Error)?.message).toBe('option sameSite is invalid'))
    })
  })

  describe('when the session is saved', () => {
    it('a new session is in the store once the response has arrived', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const res = await client.get('/').expect(200, '1')
      expect((JSON.parse(store.sessions[sessionId(res)]) as TestData).views).toBe(1)
    })

    it('with resave, an unchanged session is written back on every request', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store, resave: true }, { respond: readOnly })
      const first = await client.get('/')
      const calls = countCalls(store, 'set', 'touch')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      expect(calls).toEqual({ set: 1, touch: 0 })
    })

    it('without resave, an unchanged session is touched, not written', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store, resave: false }, { respond: readOnly })
      const first = await client.get('/')
      const calls = countCalls(store, 'set', 'touch')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      expect(calls).toEqual({ set: 0, touch: 1 })
    })

    it('without resave, a store without touch() is left alone for an unchanged session', async () => {
      const store = syncStore(session.Store)
      const { client } = await sessionApp(session, { store, resave: false }, { respond: readOnly })
      const first = await client.get('/')
      const calls = countCalls(store, 'set')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      expect(calls).toEqual({ set: 0 })
    })

    it('without resave, a changed session is written', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store, resave: false }, { respond: countVisits })
      const first = await client.get('/')
      const calls = countCalls(store, 'set', 'touch')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
      expect(calls).toEqual({ set: 1, touch: 0 })
    })

    it('an untouched new session is not stored when saveUninitialized is false', async () => {
      const store = new session.MemoryStore()
      const calls = countCalls(store, 'set', 'touch')
      const { client } = await sessionApp(session, { store, saveUninitialized: false, cookie: { maxAge: 60_000 } })
      await client.get('/').expect(200)
      expect(calls).toEqual({ set: 0, touch: 0 })
    })

    it('a change to the cookie alone does not make a session "modified"', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, saveUninitialized: false },
        {
          respond: (req, res) => {
            req.session.cookie.maxAge = 5000
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(setCookies(res)).toEqual([])
      expect(store.sessions).toEqual({})
    })

    it('a property named cookie deeper in the data does count as a change', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, resave: false },
        {
          respond: (req, res) => {
            const nested = (data(req).nested ??= { cookie: 0 })
            nested.cookie++
            res.end(String(nested.cookie))
          }
        }
      )
      const first = await client.get('/').expect(200, '1')
      const calls = countCalls(store, 'set')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
      expect(calls.set).toBe(1)
    })

    it('a stored "__proto__" key counts as data when the session is compared with what was loaded', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store, resave: false }, { respond: readOnly })
      const first = await client.get('/')
      const id = sessionId(first)
      store.sessions[id] = store.sessions[id].replace(/}$/, ',"__proto__":{"polluted":true}}')
      const calls = countCalls(store, 'set', 'touch')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      // the key never reaches req.session, so the session no longer matches what was loaded
      expect(calls).toEqual({ set: 1, touch: 0 })
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })

    it('a session that defines its own toJSON is fingerprinted through it', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, saveUninitialized: false },
        {
          respond: (req, res) => {
            Object.assign(req.session, { toJSON: () => ({}), views: 1 })
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      // toJSON hides the change, so the new session looks untouched: not saved, no cookie
      expect(setCookies(res)).toEqual([])
      expect(store.sessions).toEqual({})
    })

    it('a regenerated session is stored and sent even when it holds nothing', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, saveUninitialized: false },
        {
          respond: (req, res, next) => {
            req.session.regenerate((err) => (err ? next(err) : res.end(req.sessionID)))
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(sessionId(res)).toBe(res.text)
      expect(Object.keys(store.sessions)).toEqual([res.text])
    })

    it('the headers and all but the last byte go out before a slow save; the last byte waits for it', async () => {
      const store = new session.MemoryStore()
      const hold = holdSets(store)
      const body = 'hello, world'
      const { url } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            data(req).hit = true
            res.send(body)
          }
        }
      )
      const received = await new Promise<{ beforeSave: string; all: string }>((resolve, reject) => {
        http
          .get(url, (res) => {
            let all = ''
            let beforeSave = ''
            res.setEncoding('utf8')
            res.on('data', (chunk: string) => {
              all += chunk
              if (all.length === body.length - 1 && hold.pending() === 1) {
                beforeSave = all
                hold.release()
              }
            })
            res.on('end', () => resolve({ beforeSave, all }))
          })
          .on('error', reject)
      })
      expect(received).toEqual({ beforeSave: 'hello, worl', all: body })
    })

    it('a chunked response is held open until the save finishes', async () => {
      const store = new session.MemoryStore()
      const hold = holdSets(store)
      const { url } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            data(req).hit = true
            res.end('chunked body')
          }
        }
      )
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        http.get(url, resolve).on('error', reject)
      })
      let ended = false
      res.resume().on('end', () => {
        ended = true
      })
      await eventually(() => expect(hold.pending()).toBe(1))
      await sleep(20)
      expect(ended).toBe(false)
      hold.release()
      await eventually(() => expect(ended).toBe(true))
    })

    it('a response of several writes with a Content-Length arrives whole', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            data(req).hit = true
            res.setHeader('Content-Length', '12')
            res.write('hello, ')
            res.end('world')
          }
        }
      )
      await client.get('/').expect(200, 'hello, world')
    })

    it('an empty response with Content-Length: 0 still saves the session', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            data(req).hit = true
            res.setHeader('Content-Length', '0')
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200, '')
      expect(store.sessions[sessionId(res)]).toBeDefined()
    })

    it('an empty last chunk after a Content-Length body ends the response', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            data(req).hit = true
            res.setHeader('Content-Length', '5')
            res.write('hello')
            res.end('')
          }
        }
      )
      const res = await client.get('/').expect(200, 'hello')
      expect(store.sessions[sessionId(res)]).toBeDefined()
    })

    it('a body given as a Buffer with a Content-Length arrives whole', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            data(req).hit = true
            res.setHeader('Content-Length', '5')
            res.end(Buffer.from('bytes'))
          }
        }
      )
      await client.get('/').expect(200, 'bytes')
    })

    it('a store that calls back synchronously still gets a complete response', async () => {
      const store = syncStore(session.Store)
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const res = await client.get('/').expect(200, '1')
      expect(store.sessions.has(sessionId(res))).toBe(true)
    })

    it('a second res.end is ignored and returns false', async () => {
      const results: unknown[] = []
      const { client } = await plainApp(session, {}, (_req, res) => {
        res.setHeader('Content-Type', 'text/plain')
        res.end('Hello, world!')
        results.push(res.end())
      })
      await client.get('/').expect('Content-Type', 'text/plain').expect(200, 'Hello, world!')
      expect(results).toEqual([false])
    })

    it('res.end(null) ends an empty response', async () => {
      const { client } = await plainApp(session, {}, (_req, res) => {
        res.end(null)
      })
      await client.get('/').expect(200, '')
    })

    it('res.write and res.end replaced before the middleware still work', async () => {
      const { client } = await plainApp(
        session,
        {},
        (req, res) => {
          data(req).hit = true
          res.write('hello, ')
          res.end('world')
        },
        (_req, res) => {
          patchWrites(res)
        }
      )
      await client.get('/').expect(200, 'hello, world')
    })

    it('res.write and res.end replaced after the middleware still work', async () => {
      const { client } = await plainApp(session, {}, (req, res) => {
        patchWrites(res)
        data(req).hit = true
        res.write('hello, ')
        res.end('world')
      })
      await client.get('/').expect(200, 'hello, world')
    })
  })

  describe('store errors at the end of the response', () => {
    it('a failed save reaches next(err) and the response still completes', async () => {
      const store = new session.MemoryStore()
      store.set = (_sid, _sess, cb) => cb?.(new Error('boom!'))
      const { client, lateErrors } = await sessionApp(
        session,
        { store },
        {
          respond: (_req, res) => {
            res.end('session saved')
          }
        }
      )
      await client.get('/').expect(200, 'session saved')
      await eventually(() => expect((lateErrors[0] as Error)?.message).toBe('boom!'))
    })

    it('a failed touch reaches next(err) and the response still completes', async () => {
      const store = new session.MemoryStore()
      const { client, lateErrors } = await sessionApp(
        session,
        { store, resave: false },
        {
          respond: (_req, res) => {
            res.end('read')
          }
        }
      )
      const first = await client.get('/')
      store.touch = (_sid, _sess, cb) => cb?.(new Error('boom!'))
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'read')
      await eventually(() => expect((lateErrors[0] as Error)?.message).toBe('boom!'))
    })

    it('a failed destroy reaches next(err) and the response still completes', async () => {
      const store = new session.MemoryStore()
      store.destroy = (_sid, cb) => cb?.(new Error('boom!'))
      const { client, lateErrors } = await sessionApp(
        session,
        { store, unset: 'destroy' },
        {
          respond: (req, res) => {
            dropSession(req)
            res.end('session destroyed')
          }
        }
      )
      await client.get('/').expect(200, 'session destroyed')
      await eventually(() => expect((lateErrors[0] as Error)?.message).toBe('boom!'))
    })
  })

  describe('unset', () => {
    /** Count visits; on the second, drop req.session. */
    function dropOnSecond(req: Request, res: Response): void {
      data(req).views = (data(req).views ?? 0) + 1
      if (data(req).views === 2) dropSession(req)
      res.end()
    }

    it('by default ("keep") a session set to null stays in the store', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store }, { respond: dropOnSecond })
      const first = await client.get('/')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      expect((JSON.parse(store.sessions[sessionId(first)]) as TestData).views).toBe(1)
    })

    it('with "destroy", a session set to null is removed from the store', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store, unset: 'destroy' }, { respond: dropOnSecond })
      const first = await client.get('/')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      expect(store.sessions).toEqual({})
    })

    it('with "destroy", a new session dropped at once leaves no cookie and no entry', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, unset: 'destroy' },
        {
          respond: (req, res) => {
            dropSession(req)
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(setCookies(res)).toEqual([])
      expect(store.sessions).toEqual({})
    })

    it('with "destroy" and a synchronous store, the response still arrives whole', async () => {
      const store = syncStore(session.Store)
      const { client } = await sessionApp(
        session,
        { store, unset: 'destroy' },
        {
          respond: (req, res) => {
            const views = (data(req).views ?? 0) + 1
            data(req).views = views
            if (views > 1) {
              dropSession(req)
              res.write('destroyed\n')
            }
            res.end('hits: ' + views)
          }
        }
      )
      const first = await client.get('/').expect(200, 'hits: 1')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'destroyed\nhits: 2')
      expect(store.sessions.size).toBe(0)
    })
  })

  describe('expiry', () => {
    it('the stored expiry moves forward when a session is saved again', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(session, { store }, { respond: countVisits })
      const first = await client.get('/')
      const before = (await storeGet(store, sessionId(first)))?.cookie.expires as string
      await sleep(15)
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '2')
      const after = (await storeGet(store, sessionId(first)))?.cookie.expires as string
      expect(Date.parse(after)).toBeGreaterThan(Date.parse(before))
    })

    it('the Expires attribute is the response Date plus maxAge, also after maxAge changes', async () => {
      const { client } = await sessionApp(
        session,
        { cookie: { maxAge: 2000 } },
        {
          respond: (req, res) => {
            const views = (data(req).views ?? 0) + 1
            data(req).views = views
            if (views === 2) req.session.cookie.maxAge = 5000
            if (views === 3) req.session.cookie.maxAge = 3_000_000_000
            res.end(String(views))
          }
        }
      )
      const deltas: number[] = []
      let cookie = ''
      for (let visit = 1; visit <= 3; visit++) {
        const res = await client.get('/').set('Cookie', cookie).expect(200, String(visit))
        if (visit === 1) cookie = cookieHeader(res)
        deltas.push(Date.parse(sessionCookie(res)?.attributes.expires as string) - Date.parse(res.headers.date))
      }
      // both headers have one-second resolution, so allow one tick either way
      const offBy = deltas.map((delta, i) => Math.abs(delta - [2000, 5000, 3_000_000_000][i]))
      expect(offBy.every((off) => off <= 1000)).toBe(true)
    })
  })
})

/** Wrap res.write and res.end the way compression middleware does. */
function patchWrites(res: http.ServerResponse): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped: called below with this
  const end = res.end
  // eslint-disable-next-line @typescript-eslint/unbound-method -- wrapped: called below with this
  const write = res.write
  res.write = function (this: http.ServerResponse, ...args: unknown[]) {
    return (write as (...a: unknown[]) => boolean).apply(this, args)
  } as typeof res.write
  res.end = function (this: http.ServerResponse, ...args: unknown[]) {
    return (end as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof res.end
}

describe('where ours differs from express-session: the hash leaves the cookie unread', () => {
  /** Load a session, count its cookie's toJSON calls while the response ends unchanged, and report them. */
  async function toJsonCallsOnAnUnchangedRead(session: (typeof implementations)[number]['session']): Promise<number> {
    let calls = 0
    const store = syncStore(session.Store)
    const { client } = await sessionApp(
      session,
      { store, resave: false },
      {
        respond: (req, res) => {
          const cookie = req.session.cookie
          cookie.toJSON = function () {
            calls++
            return this.data
          }
          res.end()
        }
      }
    )
    const first = await client.get('/').expect(200)
    calls = 0
    const writes = countCalls(store, 'set')
    const second = await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
    // nothing serialised the session: not saved, and the store has no touch
    expect([writes.set, setCookies(second)]).toEqual([0, []])
    return calls
  }

  it("hashing the session calls its cookie's toJSON twice in express-session (shouldSave, shouldSetCookie), never in ours", async () => {
    const calls: Record<string, number> = {}
    for (const { name, session } of bothImplementations) calls[name] = await toJsonCallsOnAnUnchangedRead(session)
    expect(calls).toEqual({ ours: 0, 'express-session 1.19.0': 2 })
  })
})

/** An HTTPS server (self-signed certificate for 127.0.0.1) running the session middleware. */
async function httpsListener(
  session: (typeof implementations)[number]['session'],
  options: Parameters<(typeof implementations)[number]['session']>[0]
) {
  const middleware = session({ secret: 'keyboard cat', resave: false, saveUninitialized: true, ...options })
  const listener = https.createServer(
    {
      key: fs.readFileSync(new URL('localhost.key', fixtures)),
      cert: fs.readFileSync(new URL('localhost.crt', fixtures))
    },
    (req, res) => {
      middleware(req, res, () => res.end())
    }
  )
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  return { listener }
}

/** GET / over HTTPS from `server`, trusting its certificate; the server is closed afterwards. */
async function httpsGet(server: https.Server): Promise<{ status?: number; setCookie?: string[] }> {
  const { port } = server.address() as AddressInfo
  try {
    return await new Promise((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path: '/', ca: fs.readFileSync(new URL('localhost.crt', fixtures)) }, (res) => {
          res.resume()
          res.on('end', () => resolve({ status: res.statusCode, setCookie: res.headers['set-cookie'] }))
        })
        .on('error', reject)
    })
  } finally {
    await closeServer(server)
  }
}

describe.each(implementations)('$name: the res.end proxy, step by step', ({ session }) => {
  it('a response ended without a body holds back even its headers until the store answers', async () => {
    const store = new session.MemoryStore()
    const hold = holdSets(store)
    const { url } = await sessionApp(
      session,
      { store },
      {
        respond: (req, res) => {
          data(req).hit = true
          res.end()
        }
      }
    )
    let released = false
    let headers: 'before the store answered' | 'after the store answered' | undefined
    const complete = new Promise<void>((resolve, reject) => {
      http
        .get(url, (res) => {
          headers = released ? 'after the store answered' : 'before the store answered'
          res.resume().on('end', resolve)
        })
        .on('error', reject)
    })
    await eventually(() => expect(hold.pending()).toBe(1))
    await sleep(20)
    released = true
    hold.release()
    await complete
    expect(headers).toBe('after the store answered')
  })

  it('an empty body sent with res.send("") (Content-Length: 0) reaches the client before the store answers', async () => {
    const store = new session.MemoryStore()
    const hold = holdSets(store)
    const { client } = await sessionApp(
      session,
      { store },
      {
        respond: (req, res) => {
          data(req).hit = true
          res.send('')
        }
      }
    )
    const res = await client.get('/')
    expect([res.status, res.headers['content-length'], res.text, hold.pending()]).toEqual([200, '0', '', 1])
    hold.release()
    await eventually(() => expect(store.sessions[sessionId(res)]).toBeDefined())
  })

  it('with "destroy", req.session.destroy() has the store destroy the session twice', async () => {
    const store = new session.MemoryStore()
    const destroyed: string[] = []
    const destroy = store.destroy.bind(store)
    store.destroy = (sid, cb) => {
      destroyed.push(sid)
      destroy(sid, cb)
    }
    const { client } = await sessionApp(
      session,
      { store, unset: 'destroy' },
      {
        respond: (req, res, next) => {
          if (req.url === '/') return countVisits(req, res)
          req.session.destroy((err) => (err ? next(err) : res.end('bye')))
        }
      }
    )
    const first = await client.get('/').expect(200, '1')
    await client.get('/logout').set('Cookie', cookieHeader(first)).expect(200, 'bye')
    // once by destroy() itself, once more by the end of the response, which finds req.session gone
    expect(destroyed).toEqual([sessionId(first), sessionId(first)])
  })

  it('with "destroy", a bogus req.sessionID is still handed to store.destroy', async () => {
    const store = new session.MemoryStore()
    const handed: string[] = []
    store.destroy = (sid, cb) => {
      handed.push(typeof sid)
      cb?.()
    }
    const { client } = await sessionApp(
      session,
      { store, unset: 'destroy' },
      {
        respond: (req, res) => {
          ;(req as unknown as { sessionID: unknown }).sessionID = function () {}
          ;(req as unknown as { session: null }).session = null
          res.end('dropped')
        }
      }
    )
    await client.get('/').expect(200, 'dropped')
    expect(handed).toEqual(['function'])
  })

  it('a bogus req.sessionID on a loaded session is neither saved nor touched', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(
      session,
      { store, resave: false },
      {
        respond: (req, res) => {
          if (req.url === '/bogus') (req as unknown as { sessionID: unknown }).sessionID = function () {}
          res.end()
        }
      }
    )
    const first = await client.get('/')
    const calls = countCalls(store, 'set', 'touch')
    const res = await client.get('/bogus').set('Cookie', cookieHeader(first)).expect(200)
    expect([calls, setCookies(res)]).toEqual([{ set: 0, touch: 0 }, []])
  })
})

/** What a store was told about a session's expiry by one set or touch. */
interface Told {
  method: 'set' | 'touch'
  expires: string | null
}

/** A store that keeps sessions in a Map and records the expiry each set and touch carries; touch only if asked. */
function recordingStore(session: SessionModule, withTouch: boolean): { store: Store; told: Told[] } {
  const sessions = new Map<string, string>()
  const told: Told[] = []
  const note = (method: Told['method'], sess: Parameters<Store['set']>[1]) => {
    const expires = sess.cookie.expires
    told.push({ method, expires: expires ? new Date(expires).toISOString() : null })
  }
  const store = new session.Store()
  store.get = (sid, cb) => {
    const json = sessions.get(sid)
    setImmediate(() => cb(null, json ? (JSON.parse(json) as SessionData) : undefined))
  }
  store.set = (sid, sess, cb) => {
    note('set', sess)
    sessions.set(sid, JSON.stringify(sess))
    setImmediate(() => cb?.())
  }
  store.destroy = (sid, cb) => {
    sessions.delete(sid)
    setImmediate(() => cb?.())
  }
  if (withTouch) {
    store.touch = (sid, sess, cb) => {
      note('touch', sess)
      const stored = sessions.get(sid)
      if (stored) sessions.set(sid, JSON.stringify({ ...JSON.parse(stored), cookie: sess.cookie }))
      setImmediate(() => cb?.())
    }
  }
  return { store, told }
}

/**
 * An app on a {@link recordingStore}, with or without touch, whose route counts a visit in the
 * session at `/change` and only reads it anywhere else; it answers with no body.
 */
async function recordingApp(
  session: SessionModule,
  withTouch: boolean,
  options: SessionOptions
): Promise<{ client: SessionApp['client']; told: Told[] }> {
  const { store, told } = recordingStore(session, withTouch)
  const { client } = await sessionApp(
    session,
    { store, ...options },
    {
      respond: (req, res) => {
        if (req.path === '/change') data(req).views = (data(req).views ?? 0) + 1
        res.end()
      }
    }
  )
  return { client, told }
}

/** What one response did to the two expiries: the browser's (Set-Cookie) and the store's (set or touch). */
interface Moved {
  browser: string
  store: string
}

const HOUR = 60 * 60 * 1000
const DAY = 24 * HOUR
const START = Date.UTC(2030, 0, 1, 9, 0, 0)

/**
 * A day-long cookie, three requests an hour apart on a frozen clock: a first visit that stores
 * something, a request that only reads, one that changes the session. For the last two, say
 * whether each expiry moved to that request's time + maxAge ("moves") or was left alone ("stays").
 */
async function lifetime(
  session: SessionModule,
  setting: { rolling: boolean; resave: boolean; touch: boolean }
): Promise<{ read: Moved; change: Moved }> {
  vi.useFakeTimers({ toFake: ['Date'], now: START })
  const { client, told } = await recordingApp(session, setting.touch, {
    rolling: setting.rolling,
    resave: setting.resave,
    cookie: { maxAge: DAY }
  })
  const first = await client.get('/change').expect(200)
  const cookie = cookieHeader(first)
  told.length = 0

  async function visit(path: string, at: number): Promise<Moved> {
    vi.setSystemTime(at)
    const res = await client.get(path).set('Cookie', cookie).expect(200)
    const fresh = new Date(at + DAY)
    const sent = sessionCookie(res)
    const browser = !sent
      ? 'stays'
      : sent.attributes.expires === fresh.toUTCString()
        ? 'moves'
        : `Expires ${sent.attributes.expires}`
    const calls = told.splice(0).map((t) => (t.expires === fresh.toISOString() ? t.method : `${t.method} ${t.expires}`))
    return { browser, store: calls.join(' + ') || 'stays' }
  }

  return { read: await visit('/read', START + HOUR), change: await visit('/change', START + 2 * HOUR) }
}

describe.each(implementations)('$name: how long a session lives', ({ session }) => {
  afterEach(() => {
    vi.useRealTimers()
  })

  const changeMovesBoth = { browser: 'moves', store: 'set' }

  it("with maxAge, no rolling, resave, a store with touch: a read moves only the store's expiry (set); a change moves both", async () => {
    const result = await lifetime(session, { rolling: false, resave: true, touch: true })
    expect(result).toEqual({ read: { browser: 'stays', store: 'set' }, change: changeMovesBoth })
  })

  it("with maxAge, no rolling, resave, a store without touch: a read moves only the store's expiry (set); a change moves both", async () => {
    const result = await lifetime(session, { rolling: false, resave: true, touch: false })
    expect(result).toEqual({ read: { browser: 'stays', store: 'set' }, change: changeMovesBoth })
  })

  it("with maxAge, no rolling, no resave, a store with touch: a read moves only the store's expiry (touch); a change moves both", async () => {
    const result = await lifetime(session, { rolling: false, resave: false, touch: true })
    expect(result).toEqual({ read: { browser: 'stays', store: 'touch' }, change: changeMovesBoth })
  })

  it('with maxAge, no rolling, no resave, a store without touch: a read moves neither expiry; a change moves both', async () => {
    const result = await lifetime(session, { rolling: false, resave: false, touch: false })
    expect(result).toEqual({ read: { browser: 'stays', store: 'stays' }, change: changeMovesBoth })
  })

  it('with maxAge, rolling, resave, a store with touch: a read moves both expiries (set); so does a change', async () => {
    const result = await lifetime(session, { rolling: true, resave: true, touch: true })
    expect(result).toEqual({ read: { browser: 'moves', store: 'set' }, change: changeMovesBoth })
  })

  it('with maxAge, rolling, resave, a store without touch: a read moves both expiries (set); so does a change', async () => {
    const result = await lifetime(session, { rolling: true, resave: true, touch: false })
    expect(result).toEqual({ read: { browser: 'moves', store: 'set' }, change: changeMovesBoth })
  })

  it('with maxAge, rolling, no resave, a store with touch: a read moves both expiries (touch); so does a change', async () => {
    const result = await lifetime(session, { rolling: true, resave: false, touch: true })
    expect(result).toEqual({ read: { browser: 'moves', store: 'touch' }, change: changeMovesBoth })
  })

  it("with maxAge, rolling, no resave, a store without touch: a read moves only the browser's expiry; a change moves both", async () => {
    const result = await lifetime(session, { rolling: true, resave: false, touch: false })
    expect(result).toEqual({ read: { browser: 'moves', store: 'stays' }, change: changeMovesBoth })
  })

  it('without maxAge, whatever rolling, resave and the store: the cookie never has an Expires and the store is never told an expiry', async () => {
    const seen: string[] = []
    for (const rolling of [false, true])
      for (const resave of [false, true])
        for (const touch of [false, true]) {
          const { client, told } = await recordingApp(session, touch, { rolling, resave, cookie: {} })
          const first = await client.get('/change').expect(200)
          const responses = [
            first,
            await client.get('/read').set('Cookie', cookieHeader(first)),
            await client.get('/change').set('Cookie', cookieHeader(first))
          ]
          for (const res of responses) {
            const expires = sessionCookie(res)?.attributes.expires
            if (expires !== undefined) seen.push(`Expires ${String(expires)}`)
          }
          for (const t of told) if (t.expires !== null) seen.push(`${t.method} ${t.expires}`)
          if (told.length === 0) seen.push('the store was never written')
        }
    expect(seen).toEqual([])
  })
})

describe.each(implementations)('$name', ({ session }) => {
  describe('when the session is saved', () => {
    it('with resave but not saveUninitialized, an unchanged loaded session is written with set, not touched', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, resave: true, saveUninitialized: false },
        { respond: (req, res) => (req.url === '/login' ? countVisits(req, res) : readOnly(req, res)) }
      )
      const first = await client.get('/login').expect(200, '1')
      const calls = countCalls(store, 'set', 'touch')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '1')
      expect(calls).toEqual({ set: 1, touch: 0 })
    })

    it('regenerate() on an empty loaded session, without resave, stores the new one: same data, but another id', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, resave: false },
        {
          respond: (req, res, next) => {
            if (req.url === '/') return res.end()
            req.session.regenerate((err) => (err ? next(err) : res.end(req.sessionID)))
          }
        }
      )
      const first = await client.get('/').expect(200)
      const res = await client.get('/again').set('Cookie', cookieHeader(first)).expect(200)
      expect(Object.keys(store.sessions)).toEqual([res.text])
      expect(sessionId(res)).toBe(res.text)
    })
  })

  describe('the end of the response calls next only for an error', () => {
    /** A plain node:http app, so that a second call of next would run the route again; the route counts its runs. */
    async function counted(options: Parameters<typeof sessionApp>[1]) {
      const runs: string[] = []
      const app = await plainApp(session, options, (req, res) => {
        runs.push(req.url ?? '')
        if (req.url === '/drop') req.session = null
        if (req.url === '/login') (req.session as Data).views = 1
        res.end()
      })
      return { ...app, runs }
    }

    it('a successful save does not call next again', async () => {
      const { client, runs, lateErrors } = await counted({ resave: true })
      await client.get('/login').expect(200)
      await sleep(20)
      expect([runs, lateErrors]).toEqual([['/login'], []])
    })

    it('a successful touch does not call next again', async () => {
      const { client, runs, lateErrors } = await counted({ resave: false })
      const first = await client.get('/login').expect(200)
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      await sleep(20)
      expect([runs, lateErrors]).toEqual([['/login', '/'], []])
    })

    it('a successful destroy (unset: "destroy") does not call next again', async () => {
      const { client, runs, lateErrors } = await counted({ unset: 'destroy' })
      const first = await client.get('/login').expect(200)
      await client.get('/drop').set('Cookie', cookieHeader(first)).expect(200)
      await sleep(20)
      expect([runs, lateErrors]).toEqual([['/login', '/drop'], []])
    })
  })

  describe('headers sent before res.end()', () => {
    /** A session is stored with a minute to live; then its stored expiry is pulled in to five seconds from now. */
    async function nearlyExpired(
      options: Parameters<typeof sessionApp>[1],
      respond: (req: Request, res: Response) => void
    ) {
      const store = new session.MemoryStore()
      const app = await sessionApp(
        session,
        { store, ...options },
        {
          respond: (req, res) => (req.url === '/login' ? countVisits(req, res) : respond(req, res))
        }
      )
      const first = await app.client.get('/login').expect(200, '1')
      const stored = (await storeGet(store, sessionId(first))) as SessionData
      await storeSet(store, sessionId(first), {
        ...stored,
        cookie: { ...stored.cookie, expires: new Date(Date.now() + 5000) }
      })
      return { ...app, cookie: cookieHeader(first) }
    }

    /** Milliseconds from now until the Expires of the response's session cookie. */
    function expiresIn(res: SupertestResponse): number {
      return Date.parse(String(sessionCookie(res)?.attributes.expires)) - Date.now()
    }

    it('with rolling, a cookie sent by writeHead already carries the renewed expiry', async () => {
      const { client, cookie } = await nearlyExpired({ rolling: true }, (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' })
        res.write('a')
        res.end('b')
      })
      const res = await client.get('/').set('Cookie', cookie).expect(200, 'ab')
      expect(expiresIn(res)).toBeGreaterThan(30_000)
    })

    it('a changed loaded session whose first write sends the headers carries the renewed expiry', async () => {
      const { client, cookie } = await nearlyExpired({}, (req, res) => {
        data(req).hit = true
        res.write('a')
        res.end('b')
      })
      const res = await client.get('/').set('Cookie', cookie).expect(200, 'ab')
      expect(expiresIn(res)).toBeGreaterThan(30_000)
    })

    it('a response whose headers go out before res.end() touches its session once', async () => {
      const { client, touches } = await countingTouches(session, { rolling: true }, (res) => {
        res.writeHead(200)
        res.end('done')
      })
      await client.get('/').expect(200, 'done')
      await eventually(() => expect(touches).toEqual([1]))
    })
  })

  describe('what res.end returns and sends', () => {
    it('res.end() without a body returns true while the save is pending', async () => {
      const store = new session.MemoryStore()
      const hold = holdSets(store)
      const returned: unknown[] = []
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (_req, res) => {
            returned.push(res.end())
            hold.release()
          }
        }
      )
      await client.get('/').expect(200, '')
      expect(returned).toEqual([true])
    })

    it('with a synchronous store, res.end returns what Node.js returns, and nothing is written after the end', async () => {
      const store = syncStore(session.Store)
      const seen: unknown[] = []
      const { client } = await plainApp(session, { store }, (req, res) => {
        ;(req.session as Data).hit = true
        res.on('error', (err) => seen.push(err))
        seen.push(res.end('done') === res)
      })
      await client.get('/').expect(200, 'done')
      await sleep(20)
      expect(seen).toEqual([true])
    })

    it('a body given with an encoding and a Content-Length arrives as those bytes', async () => {
      const body = Buffer.from('café', 'latin1')
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (_req, res) => {
            res.setHeader('Content-Length', String(body.length))
            res.end('café', 'latin1')
          }
        }
      )
      const res = await client
        .get('/')
        .buffer(true)
        .parse((stream, done) => {
          const chunks: Buffer[] = []
          stream.on('data', (chunk: Buffer) => chunks.push(chunk))
          stream.on('end', () => done(null, Buffer.concat(chunks)))
        })
        .expect(200)
      expect(res.body).toEqual(body)
    })
  })

  describe('a bogus req.sessionID', () => {
    it('on a new session: no cookie, no save and no error', async () => {
      const store = new session.MemoryStore()
      const { client, lateErrors } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            ;(req as unknown as { sessionID: unknown }).sessionID = 42
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      await sleep(20)
      expect([setCookies(res), store.sessions, lateErrors]).toEqual([[], {}, []])
    })

    it('taken away from a session: no touch, no save and no error', async () => {
      const store = new session.MemoryStore()
      const { client, lateErrors } = await sessionApp(
        session,
        { store, resave: false, saveUninitialized: false },
        {
          respond: (req, res) => {
            delete (req as unknown as { sessionID?: string }).sessionID
            res.end()
          }
        }
      )
      const calls = countCalls(store, 'set', 'touch')
      await client.get('/').expect(200)
      await sleep(20)
      expect([calls, lateErrors]).toEqual([{ set: 0, touch: 0 }, []])
    })
  })
})

describe.each(implementations)('$name', ({ session }) => {
  describe('a session with a toJSON of its own', () => {
    /** A loaded session with `stored` as its data; `respond` runs after the route gave it a toJSON returning itself. */
    async function selfSerialising(stored: Record<string, unknown>, respond: (req: Request) => void) {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, resave: false },
        {
          respond: (req, res) => {
            if (req.url === '/login') Object.assign(req.session, stored)
            // non-enumerable, so it is never stored; JSON.stringify calls it and serialises what it returns
            Object.defineProperty(req.session, 'toJSON', {
              value: function (this: unknown) {
                return this
              }
            })
            if (req.url !== '/login') respond(req)
            res.end()
          }
        }
      )
      const first = await client.get('/login').expect(200)
      const calls = countCalls(store, 'set', 'touch')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      return calls
    }

    it('a session whose toJSON returns itself is still compared without its cookie: reading it is no change', async () => {
      expect(await selfSerialising({ views: 1, prefs: { cookie: 'a' } }, () => {})).toEqual({ set: 0, touch: 1 })
    })

    it('a session whose toJSON returns itself: a property named cookie deeper in its data still counts', async () => {
      const calls = await selfSerialising({ prefs: { cookie: 'a' } }, (req) => {
        ;(req.session as unknown as { prefs: { cookie: string } }).prefs.cookie = 'b'
      })
      expect(calls).toEqual({ set: 1, touch: 0 })
    })

    it('a toJSON the session inherits is honoured too: a change it hides is no change', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, saveUninitialized: false },
        {
          respond: (req, res) => {
            const proto = Object.create(Object.getPrototypeOf(req.session) as object, {
              toJSON: { value: () => ({}) }
            }) as object
            Object.setPrototypeOf(req.session, proto)
            data(req).views = 1
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(setCookies(res)).toEqual([])
      expect(store.sessions).toEqual({})
    })
  })

  describe('Secure cookies and proxies', () => {
    it('with proxy: true, a single X-Forwarded-Proto value is read case and spaces aside', async () => {
      const { client } = await sessionApp(
        session,
        { proxy: true, cookie: { secure: true } },
        {
          // Node.js trims a header as it arrives; a middleware that sets one may leave spaces in
          setup: (req, _res, next) => {
            req.headers['x-forwarded-proto'] = ' HTTPS '
            next()
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(sessionCookie(res)?.attributes.secure).toBe(true)
    })
  })
})

describe.each(freshImplementations)('$name, loaded afresh', ({ load, debug }) => {
  describe('debug output', () => {
    it('says when a session is saved, and the Set-Cookie it writes, and when a body is split to wait for the store', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const { client } = await sessionApp(session, { name: 'sid' }, { respond: (_req, res) => res.send('hello') })
      const res = await client.get('/').expect(200, 'hello')
      expect(lines).toEqual([
        'express-session no SID sent, generating session',
        `express-session saving ${sessionId(res)}`,
        `express-session set-cookie ${setCookies(res)[0]}`,
        'express-session split response'
      ])
    })

    it('splits nothing without a Content-Length, or when the last chunk is empty', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const { client } = await plainApp(session, { name: 'sid' }, (req, res) => {
        if (req.url === '/rest') {
          res.setHeader('Content-Length', '5')
          res.write('hello')
          res.end('')
        } else {
          res.end('chunked')
        }
      })
      await client.get('/').expect(200, 'chunked')
      await client.get('/rest').expect(200, 'hello')
      // each request: a session generated, saved, and its cookie set
      expect(lines.filter((line) => !/generating|saving|set-cookie/.test(line))).toEqual([])
      expect(lines).toHaveLength(6)
    })

    it('splits nothing under a Content-Length of 0, even when a body follows it', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const { server } = await plainApp(session, { name: 'sid' }, (_req, res) => {
        res.setHeader('Content-Length', '0')
        res.end('x')
      })
      // no HTTP client accepts a body after Content-Length: 0, so the request is made by hand
      const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1')
      socket.resume()
      socket.end('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
      await once(socket, 'close')
      expect(lines.filter((line) => !/generating|saving|set-cookie/.test(line))).toEqual([])
      expect(lines).toHaveLength(3)
    })

    it('says when a session is destroyed, and when the response has no session', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const { client } = await sessionApp(
        session,
        { name: 'sid', saveUninitialized: false },
        {
          respond: (req, res) => {
            ;(req as unknown as { session: null }).session = null
            res.end()
          }
        }
      )
      await client.get('/').expect(200)
      const destroying = await sessionApp(
        session,
        { name: 'sid', saveUninitialized: false, unset: 'destroy' },
        {
          respond: (req, res) => {
            ;(req as unknown as { session: null }).session = null
            res.end()
          }
        }
      )
      await destroying.client.get('/').expect(200)
      expect(lines).toEqual([
        'express-session no SID sent, generating session',
        'express-session no session',
        'express-session no session',
        'express-session no SID sent, generating session',
        'express-session destroying',
        'express-session no session',
        'express-session destroyed'
      ])
    })

    it('says when a Secure cookie is held back over plain HTTP', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const { client } = await sessionApp(session, { name: 'sid', cookie: { secure: true } })
      const res = await client.get('/').expect(200)
      expect(setCookies(res)).toEqual([])
      expect(lines).toEqual([
        'express-session no SID sent, generating session',
        expect.stringMatching(/^express-session saving /),
        'express-session not secured'
      ])
    })

    it('says twice that a bogus req.sessionID is ignored: once deciding to save, once to touch', async () => {
      const lines = captureDebug(debug)
      const session = await load()
      const { client } = await sessionApp(
        session,
        { name: 'sid', resave: false, saveUninitialized: false },
        {
          respond: (req, res) => {
            if (req.url === '/login') return countVisits(req, res)
            ;(req as unknown as { sessionID: unknown }).sessionID = 42
            res.end()
          }
        }
      )
      const first = await client.get('/login').expect(200, '1')
      lines.length = 0
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200)
      expect(lines).toEqual([
        `express-session fetching ${sessionId(first)}`,
        'express-session session found',
        'express-session session ignored because of bogus req.sessionID 42',
        'express-session session ignored because of bogus req.sessionID 42'
      ])
    })
  })
})

describe.each(implementations)('$name: a new session’s two expiries', ({ session }) => {
  it("a new session's first Set-Cookie carries the expiry its first save stores (to the second the header can hold)", async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(session, { store, cookie: { maxAge: DAY } }, { respond: countVisits })
    const res = await client.get('/').expect(200, '1')
    const sent = Date.parse(sessionCookie(res)?.attributes.expires as string)
    const stored = Date.parse((await storeGet(store, sessionId(res)))?.cookie.expires as string)
    expect(sent).toBe(Math.floor(stored / 1000) * 1000)
  })
})

/** A route that counts its session's touches, then answers with `finish(res)`; the counts arrive as each response finishes. */
async function countingTouches(
  session: SessionModule,
  options: Parameters<typeof sessionApp>[1],
  finish: (res: Response) => void
) {
  const touches: number[] = []
  const { client } = await sessionApp(session, options, {
    respond: (req, res) => {
      const sess = req.session
      const touch = sess.touch.bind(sess)
      let count = 0
      // an own, non-enumerable property: counted without becoming session data
      Object.defineProperty(sess, 'touch', {
        value: () => {
          count++
          return touch()
        }
      })
      res.on('finish', () => touches.push(count))
      finish(res)
    }
  })
  return { client, touches }
}

describe.each(implementations)('$name: one touch per response', ({ session }) => {
  it('a response ended before its headers go out touches its session once, not again as the headers go', async () => {
    const { client, touches } = await countingTouches(session, { rolling: true }, (res) => res.end('done'))
    await client.get('/').expect(200, 'done')
    await eventually(() => expect(touches).toEqual([1]))
  })

  it('so does one whose session is not saved but touched in the store (resave: false, unchanged)', async () => {
    const { client, touches } = await countingTouches(session, { rolling: true, resave: false }, (res) =>
      res.end('done')
    )
    const first = await client.get('/').expect(200, 'done')
    await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'done')
    await eventually(() => expect(touches).toEqual([1, 1]))
  })
})
