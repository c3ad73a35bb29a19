/**
 * Chapter 08 — Session: what req.session holds, and what each of its
 * methods does to the request and to the store. Each test runs against
 * ours and express-session 1.19.0.
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { countVisits, data, reloadInARow, sessionApp, sleep, type TestData } from './support/apps.js'
import { cookieHeader, sessionId, setCookies } from './support/cookies.js'
import { captureDebug, freshImplementations } from './support/fresh.js'
import { implementations } from './support/implementations.js'
import { countCalls, storeGet, storeSet } from './support/stores.js'
import type { SessionData, SessionRequest } from '../src/index.js'

describe.each(implementations)('$name', ({ session }) => {
  describe('what req.session holds', () => {
    it('only the data and the cookie are enumerable', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            Object.assign(req.session, { test1: 1, test2: 'b' })
            const inLoop: string[] = []
            for (const key in req.session) inLoop.push(key)
            res.json({ keys: Object.keys(req.session).sort(), inLoop: inLoop.sort() })
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(res.body).toEqual({ keys: ['cookie', 'test1', 'test2'], inLoop: ['cookie', 'test1', 'test2'] })
    })

    it('id and req are there but hidden, so JSON leaves them out', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            const sess = req.session
            res.json({
              id: sess.id === req.sessionID,
              req: sess.req === req,
              json: Object.keys(JSON.parse(JSON.stringify(sess)) as object)
            })
          }
        }
      )
      const res = await client.get('/')
      expect(res.body).toEqual({ id: true, req: true, json: ['cookie'] })
    })

    it('id cannot be reassigned', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            try {
              ;(req.session as unknown as { id: string }).id = 'chosen-by-me'
              res.end('assigned')
            } catch (err) {
              res.end((err as Error).name + ':' + req.session.id)
            }
          }
        }
      )
      const res = await client.get('/')
      expect(res.text).toBe('TypeError:' + sessionId(res))
    })

    it('stored fields named like methods are ignored when the session loads', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            data(req).views = 1
            res.end(typeof req.session.save)
          }
        }
      )
      const first = await client.get('/').expect(200, 'function')
      const stored = (await storeGet(store, sessionId(first))) as SessionData & { save?: string }
      stored.save = 'nope'
      await storeSet(store, sessionId(first), stored)
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'function')
    })

    it('the middleware wraps save and reload on each session, still hidden', async () => {
      const { client } = await sessionApp(
        session,
        {},
        {
          respond: (req, res) => {
            const own = Object.getOwnPropertyDescriptor(req.session, 'save')
            res.json({
              own: own !== undefined,
              enumerable: own?.enumerable,
              differs: req.session.save !== session.Session.prototype.save
            })
          }
        }
      )
      const res = await client.get('/')
      expect(res.body).toEqual({ own: true, enumerable: false, differs: true })
    })
  })

  describe('touch() and resetMaxAge()', () => {
    it('touch() moves expires forward to now + originalMaxAge', async () => {
      // the clock is held, and moved by hand: touch() must land exactly on the new now + 60 s
      vi.useFakeTimers({ toFake: ['Date'] })
      onTestFinished(() => void vi.useRealTimers())
      const { client } = await sessionApp(
        session,
        { cookie: { maxAge: 60_000 } },
        {
          respond: (req, res) => {
            const before = (req.session.cookie.expires as Date).getTime()
            vi.setSystemTime(Date.now() + 25)
            const returned = req.session.touch()
            const now = Date.now()
            const after = (req.session.cookie.expires as Date).getTime()
            res.json({
              moved: after === before + 25 && after === now + 60_000,
              chained: returned === req.session
            })
          }
        }
      )
      expect((await client.get('/')).body).toEqual({ moved: true, chained: true })
    })

    it('resetMaxAge() sets maxAge back to originalMaxAge', async () => {
      const { client } = await sessionApp(
        session,
        { cookie: { maxAge: 60_000 } },
        {
          respond: (req, res) => {
            req.session.cookie.expires = new Date(Date.now() + 5)
            req.session.cookie.originalMaxAge = 60_000
            req.session.resetMaxAge()
            res.end(String(req.session.cookie.maxAge !== null && (req.session.cookie.maxAge as number) > 59_000))
          }
        }
      )
      await client.get('/').expect(200, 'true')
    })

    it('a request that only touches its session pushes the stored expiry forward', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, resave: false, cookie: { maxAge: 60_000 } },
        {
          respond: (req, res) => {
            data(req).hit = true
            req.session.touch()
            res.end()
          }
        }
      )
      const first = await client.get('/')
      const before = (await storeGet(store, sessionId(first)))?.cookie.expires as string
      await sleep(20)
      await client.get('/').set('Cookie', cookieHeader(first))
      const after = (await storeGet(store, sessionId(first)))?.cookie.expires as string
      expect(Date.parse(after)).toBeGreaterThan(Date.parse(before))
    })
  })

  describe('save()', () => {
    it('writes the session to the store before the response', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            data(req).hit = true
            req.session.save((err) => {
              if (err) return res.end('save failed')
              store.get(req.session.id, (_e, sess) => res.end(sess ? 'stored' : 'empty'))
            })
          }
        }
      )
      await client.get('/').expect(200, 'stored')
    })

    it('an explicit save spares the end-of-request save', async () => {
      const store = new session.MemoryStore()
      const calls = countCalls(store, 'set')
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            data(req).hit = true
            req.session.save(() => res.end('saved'))
          }
        }
      )
      const first = await client.get('/').expect(200, 'saved')
      expect(calls.set).toBe(1)
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'saved')
      expect(calls.set).toBe(2)
    })

    it('an explicit save also spares it when saveUninitialized is false', async () => {
      const store = new session.MemoryStore()
      const calls = countCalls(store, 'set')
      const { client } = await sessionApp(
        session,
        { store, saveUninitialized: false },
        {
          respond: (req, res) => {
            data(req).hit = true
            req.session.save(() => res.end('saved'))
          }
        }
      )
      await client.get('/').expect(200, 'saved')
      expect(calls.set).toBe(1)
    })

    it('a change made after an explicit save is saved again at the end', async () => {
      const store = new session.MemoryStore()
      const calls = countCalls(store, 'set')
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            data(req).views = 1
            req.session.save(() => {
              data(req).views = 2
              res.end()
            })
          }
        }
      )
      const res = await client.get('/')
      expect(calls.set).toBe(2)
      expect(((await storeGet(store, sessionId(res))) as TestData).views).toBe(2)
    })

    it('save() without a callback still saves', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            data(req).hit = true
            req.session.save()
            res.end()
          }
        }
      )
      const res = await client.get('/').expect(200)
      expect(store.sessions[sessionId(res)]).toBeDefined()
    })

    it("Session.prototype.save returns the session, but the middleware's wrapper returns nothing", async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            const wrapped = req.session.save()
            const plain = session.Session.prototype.save.call(req.session)
            res.json({ wrapped: wrapped === undefined, plain: plain === req.session })
          }
        }
      )
      expect((await client.get('/')).body).toEqual({ wrapped: true, plain: true })
    })

    it('a save after reload() also spares the end-of-request save', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            data(req).hit = true
            req.session.reload(() => {
              req.session.save(() => res.end('saved'))
            })
          }
        }
      )
      const first = await client.get('/').expect(200, 'saved')
      const calls = countCalls(store, 'set')
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'saved')
      expect(calls.set).toBe(1)
    })
  })

  describe('reload()', () => {
    it('replaces req.session with what the store holds now', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res, next) => {
            const before = req.session
            data(req).user = 'changed here'
            req.session.reload((err) => {
              if (err) return next(err)
              res.json({
                user: data(req).user ?? null,
                replaced: req.session !== before,
                sameId: req.session.id === before.id
              })
            })
          }
        }
      )
      const first = await client.get('/')
      const stored = (await storeGet(store, sessionId(first))) as SessionData & TestData
      await storeSet(store, sessionId(first), { ...stored, user: 'changed elsewhere' })
      const res = await client.get('/').set('Cookie', cookieHeader(first))
      expect(res.body).toEqual({ user: 'changed elsewhere', replaced: true, sameId: true })
    })

    it('fails with "failed to load session" when the store no longer has it', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            if (req.url === '/') {
              data(req).active = true
              res.end('created')
              return
            }
            store.clear(() =>
              req.session.reload((err) => {
                res.statusCode = err ? 500 : 200
                res.end(err ? (err as Error).message : '')
              })
            )
          }
        }
      )
      const first = await client.get('/')
      await client.get('/foo').set('Cookie', cookieHeader(first)).expect(500, 'failed to load session')
    })

    it('passes a store error on', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            store.get = (_sid, cb) => cb(new Error('store down'))
            req.session.reload((err) => res.end((err as Error).message))
          }
        }
      )
      await client.get('/').expect(200, 'store down')
    })

    it('reload called again and again from its own callback does not pile up wrappers', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, resave: false },
        {
          respond: (req, res) => {
            if (req.url === '/') return countVisits(req, res)
            // with the store emptied each reload fails and req.session stays the same object: only the
            // check in rewrapmethods keeps it from being wrapped again, each wrapper doubling the next count
            store.clear(() => reloadInARow(req, res, 20, () => 'ok'))
          }
        }
      )
      const first = await client.get('/')
      await client.get('/again').set('Cookie', cookieHeader(first)).expect(200, 'ok')
    })
  })

  describe('destroy()', () => {
    it('removes the session from the request and the store, and sends no cookie', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            if (req.url === '/') return countVisits(req, res)
            req.session.destroy((err) => res.end(`${typeof err} ${typeof req.session}`))
          }
        }
      )
      const first = await client.get('/')
      const res = await client.get('/logout').set('Cookie', cookieHeader(first)).expect(200, 'undefined undefined')
      expect(setCookies(res)).toEqual([])
      expect(store.sessions).toEqual({})
    })

    it('a cookie of a destroyed session starts a new one', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res) => {
            if (req.url === '/') return countVisits(req, res)
            req.session.destroy(() => res.end())
          }
        }
      )
      const first = await client.get('/').expect(200, '1')
      await client.get('/logout').set('Cookie', cookieHeader(first))
      await client.get('/').set('Cookie', cookieHeader(first)).expect(200, '1')
    })
  })

  describe('regenerate()', () => {
    it('gives the request a new, empty session with a new id and removes the old one', async () => {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store },
        {
          respond: (req, res, next) => {
            if (req.url === '/') return countVisits(req, res)
            const old = req.session.id
            req.session.regenerate((err) => {
              if (err) return next(err)
              res.json({ sameId: req.session.id === old, views: data(req).views ?? null, id: req.sessionID })
            })
          }
        }
      )
      const first = await client.get('/')
      const res = await client.get('/login').set('Cookie', cookieHeader(first))
      expect(res.body).toEqual({ sameId: false, views: null, id: sessionId(res) })
      expect(Object.keys(store.sessions)).toEqual([(res.body as { id: string }).id])
    })
  })
})

describe.each(implementations)('$name: more of the Session', ({ session }) => {
  it('a stored "id" field neither replaces the real id nor is copied into the data', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(
      session,
      { store },
      {
        respond: (req, res) => {
          res.json({ id: req.session.id === req.sessionID, json: JSON.stringify(req.session).includes('planted') })
        }
      }
    )
    const first = await client.get('/')
    const stored = (await storeGet(store, sessionId(first))) as SessionData & { id?: string }
    stored.id = 'planted'
    await storeSet(store, sessionId(first), stored)
    const res = await client.get('/').set('Cookie', cookieHeader(first))
    expect(res.body).toEqual({ id: true, json: false })
  })

  it('each method is a named function, kept off for … in on the prototype', () => {
    const methods = ['touch', 'resetMaxAge', 'save', 'reload', 'destroy', 'regenerate'] as const
    const proto = session.Session.prototype
    const listed: string[] = []
    for (const key in proto) listed.push(key)
    expect([methods.map((m) => proto[m].name), listed]).toEqual([[...methods], []])
  })
})

describe.each(implementations)('$name', ({ session }) => {
  it('data that is not an object adds nothing to a new Session', () => {
    const req = { sessionID: 'abc' } as SessionRequest
    expect(Object.keys(new session.Session(req, 'data' as unknown as object))).toEqual([])
  })
})

describe.each(freshImplementations)('$name, loaded afresh', ({ load, debug }) => {
  it('debug says when the middleware saves or reloads a session, with its id', async () => {
    const lines = captureDebug(debug)
    const session = await load()
    const { client } = await sessionApp(
      session,
      { resave: false },
      {
        respond: (req, res, next) => {
          req.session.save((err) => {
            if (err) return next(err)
            req.session.reload((err) => (err ? next(err) : res.end(req.sessionID)))
          })
        }
      }
    )
    const res = await client.get('/').expect(200)
    expect(lines).toEqual([
      'express-session no SID sent, generating session',
      `express-session saving ${res.text}`,
      `express-session reloading ${res.text}`,
      `express-session set-cookie ${setCookies(res)[0]}`
    ])
  })
})

describe.each(implementations)('$name: what a stack trace shows', ({ session }) => {
  it('a stack trace through save() shows Session.save twice: the middleware wrapper and the method, each named by its function expression', async () => {
    const store = new session.MemoryStore()
    const stacks: string[] = []
    store.set = (_sid, _sess, cb) => {
      stacks.push(new Error('inside set').stack ?? '')
      cb?.()
    }
    const { client } = await sessionApp(
      session,
      { store },
      {
        respond: (req, res) => {
          req.session.save(() => res.end('saved'))
        }
      }
    )
    await client.get('/').expect(200, 'saved')
    const frames = stacks[0].split('\n').filter((line) => /^\s+at Session\.save /.test(line))
    expect(frames).toHaveLength(2)
  })

  it('an error made inside the callback of save() on MemoryStore has no save frame: the callback runs on a later turn', async () => {
    const store = new session.MemoryStore()
    let stack = ''
    const { client } = await sessionApp(
      session,
      { store },
      {
        respond: (req, res) => {
          req.session.save(() => {
            stack = new Error('in the callback').stack ?? ''
            res.end('saved')
          })
        }
      }
    )
    await client.get('/').expect(200, 'saved')
    expect([stack.includes('in the callback'), /\bsave\b/.test(stack.split('\n').slice(1).join('\n'))]).toEqual([
      true,
      false
    ])
  })
})

describe.each(implementations)('$name: what reload returns', ({ session }) => {
  it("Session.prototype.reload returns the session, but the middleware's wrapper returns nothing", async () => {
    const { client } = await sessionApp(
      session,
      {},
      {
        respond: (req, res, next) => {
          if (req.url === '/') return countVisits(req, res)
          const wrapped: unknown = req.session.reload((err) => {
            if (err) return next(err)
            const sess = req.session
            const plain: unknown = session.Session.prototype.reload.call(sess, (err2) => {
              if (err2) return next(err2)
              res.json({ wrapped: wrapped === undefined, plain: plain === sess })
            })
          })
        }
      }
    )
    const first = await client.get('/').expect(200, '1')
    // the second request has a stored session to reload
    const res = await client.get('/reload').set('Cookie', cookieHeader(first)).expect(200)
    expect(res.body).toEqual({ wrapped: true, plain: true })
  })
})

describe.each(implementations)('$name: replacing a method', ({ session }) => {
  const methods = ['touch', 'resetMaxAge', 'save', 'reload', 'destroy', 'regenerate'] as const

  it('each method on the prototype is writable and configurable, only kept out of for … in', () => {
    const proto = session.Session.prototype
    const flags = methods.map((m) => {
      const { configurable, enumerable, writable } = Object.getOwnPropertyDescriptor(proto, m) ?? {}
      return { configurable, enumerable, writable }
    })
    expect(flags).toEqual(methods.map(() => ({ configurable: true, enumerable: false, writable: true })))
  })

  it('so one session can be given its own method by plain assignment', () => {
    const sess = new session.Session({ sessionID: 'abc' } as SessionRequest)
    const own = () => sess
    // an inherited property that is not writable would make this assignment throw (test files are strict)
    for (const m of methods) (sess as unknown as Record<string, unknown>)[m] = own
    expect(methods.map((m) => sess[m] === own && Object.hasOwn(sess, m))).toEqual(methods.map(() => true))
  })
})

describe.each(implementations)('$name: the wrapped save and reload', ({ session }) => {
  it("req.session's own save and reload, put there by the middleware, are writable and configurable like the prototype's", async () => {
    const { client } = await sessionApp(
      session,
      {},
      {
        respond: (req, res) => {
          const flags = (['save', 'reload'] as const).map((m) => {
            const { configurable, enumerable, writable } = Object.getOwnPropertyDescriptor(req.session, m) ?? {}
            return { configurable, enumerable, writable }
          })
          res.json(flags)
        }
      }
    )
    const res = await client.get('/').expect(200)
    expect(res.body).toEqual([
      { configurable: true, enumerable: false, writable: true },
      { configurable: true, enumerable: false, writable: true }
    ])
  })
})
