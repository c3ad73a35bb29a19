/**
 * Chapter 10 — the companion app's routes, served in-process on a FileStore
 * (or a MemoryStore where a test needs to break the store): the visit
 * counter, the login story, the inspector, the store listing, the request
 * headers, the visit log, the errors.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryStore, type SessionData, type Store } from '../src/index.js'
import { createApp, VISIT_LOG_LENGTH } from '../demo/app.js'
import { escapeHtml } from '../demo/html.js'
import { FileStore } from '../src/stores/file-store.js'
import { cookieHeader, sessionCookie, sessionId, setCookies, tamperedCookie } from './support/cookies.js'
import { serve } from './support/http.js'
import { eventually } from './support/apps.js'
import { countCalls, holdSets, storeGet, storeLength, storeSet } from './support/stores.js'

let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'companion-app-'))
})
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

/** A FileStore in the test's folder without a sweeping timer. */
function fileStore(): FileStore {
  return new FileStore({ dir: path.join(dir, 'sessions'), reapInterval: 0 })
}

describe('the companion app (ours only)', () => {
  /** The app on a FileStore in the test folder, listening. */
  async function demo(store: Store = fileStore()) {
    return serve(createApp({ store, secret: 'test secret' }))
  }

  it('GET / counts visits in the session', async () => {
    const { url } = await demo()
    const agent = request.agent(url)
    expect((await agent.get('/').expect(200)).text).toContain('id="views">1<')
    expect((await agent.get('/').expect(200)).text).toContain('id="views">2<')
  })

  it('logging in as rasmus/default regenerates the session id and redirects home', async () => {
    const { url } = await demo()
    const agent = request.agent(url)
    const visit = await agent.get('/')
    const login = await agent.post('/login').type('form').send({ username: 'rasmus', password: 'default' }).expect(303)
    expect(login.headers.location).toBe('/')
    expect(sessionId(login)).not.toBe(sessionId(visit))
    expect((await agent.get('/')).text).toContain('logged in as <strong id="user">rasmus</strong>')
  })

  it('the login is saved before the redirect leaves, so a browser that follows it at once is known', async () => {
    const store = fileStore()
    const set = store.set.bind(store)
    store.set = (sid, sess, cb) => {
      setTimeout(() => set(sid, sess, cb), 50)
    }
    const { url } = await demo(store)
    const redirect = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(
        url + '/login',
        { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
        resolve
      )
      req.on('error', reject)
      req.end('username=rasmus&password=default')
    })
    // follow the redirect on the headers alone, as browsers do
    const cookie = String(redirect.headers['set-cookie']?.[0]).split(';')[0]
    const home = await request(url).get('/').set('Cookie', cookie).expect(200)
    redirect.resume()
    expect(home.text).toContain('id="user">rasmus<')
  })

  it('a wrong password gets the form again, with an error and status 401', async () => {
    const { client } = await demo()
    const res = await client.post('/login').type('form').send({ username: 'rasmus', password: 'wrong' }).expect(401)
    expect(res.text).toContain('Unknown user or wrong password.')
    expect(res.text).toContain('<form method="post" action="/login">')
    expect(setCookies(res)).toEqual([])
  })

  it('a login form with missing fields is a 401, not a crash', async () => {
    const { client } = await demo()
    await client.post('/login').type('form').send({ username: 'rasmus' }).expect(401)
    await client.post('/login').expect(401)
    await client.post('/login').type('form').send('username=constructor&password=x').expect(401)
  })

  it('a login survives a restart of the app on the same folder', async () => {
    const first = await demo()
    const login = await request(first.url).post('/login').type('form').send({ username: 'rasmus', password: 'default' })
    const second = await demo(fileStore())
    const res = await request(second.url).get('/').set('Cookie', cookieHeader(login)).expect(200)
    expect(res.text).toContain('id="user">rasmus<')
  })

  it('POST /logout destroys the session, clears the cookie and redirects home', async () => {
    const store = fileStore()
    const { url } = await demo(store)
    const login = await request(url).post('/login').type('form').send({ username: 'rasmus', password: 'default' })
    const logout = await request(url).post('/logout').set('Cookie', cookieHeader(login)).expect(303)
    expect(logout.headers.location).toBe('/')
    expect(sessionCookie(logout)).toMatchObject({
      name: 'connect.sid',
      value: '',
      attributes: { expires: 'Thu, 01 Jan 1970 00:00:00 GMT' }
    })
    expect(await storeLength(store)).toBe(0)
    const after = await request(url).get('/').set('Cookie', cookieHeader(login))
    expect(after.text).toContain('not logged in')
  })

  it('/inspect.json takes the cookie apart and verifies its signature', async () => {
    const { url } = await demo()
    const login = await request(url).post('/login').type('form').send({ username: 'rasmus', password: 'default' })
    const res = await request(url).get('/inspect.json').set('Cookie', cookieHeader(login)).expect(200)
    const id = sessionId(login)
    expect(res.body).toMatchObject({
      cookieHeader: cookieHeader(login),
      parts: { prefix: 's:', id },
      signatureVerifies: true,
      sessionId: id,
      stored: { user: 'rasmus' },
      cookie: { httpOnly: true, path: '/', sameSite: 'lax', originalMaxAge: expect.closeTo(86_400_000, -1) as unknown }
    })
  })

  it('/inspect.json says so when the signature does not verify', async () => {
    const { url } = await demo()
    const login = await request(url).post('/login').type('form').send({ username: 'rasmus', password: 'default' })
    const forged = tamperedCookie(cookieHeader(login))
    const res = await request(url).get('/inspect.json').set('Cookie', forged).expect(200)
    expect(res.body).toMatchObject({ signatureVerifies: false, stored: null })
  })

  it('/inspect shows the parts as a page', async () => {
    const { url } = await demo()
    const agent = request.agent(url)
    const visit = await agent.get('/')
    const res = await agent.get('/inspect').expect(200)
    expect(res.text).toContain(`<code id="part-id">${sessionId(visit)}</code>`)
    expect(res.text).toContain('<strong id="verifies">yes</strong>')
  })

  it('/inspect without a cookie says there is none', async () => {
    const { client } = await demo()
    const res = await client.get('/inspect.json').expect(200)
    expect(res.body).toMatchObject({ cookieHeader: null, parts: null, signatureVerifies: false })
    expect((await client.get('/inspect')).text).toContain('no signed session cookie was sent')
  })

  it('/store and /store.json list every session in the store', async () => {
    const store = new MemoryStore()
    const { url } = await demo(store)
    const a = await request(url).get('/')
    const b = await request(url).get('/')
    const res = await request(url).get('/store.json').expect(200)
    expect(Object.keys(res.body as object).sort()).toEqual([sessionId(a), sessionId(b)].sort())
    expect((await request(url).get('/store')).text).toContain('id="count">2<')
  })

  it('an unknown route is a 404 page', async () => {
    const { client } = await demo()
    const res = await client.get('/no/such/page').expect(404)
    expect(res.text).toContain('There is no page at <code>/no/such/page</code>')
  })

  it('a session file a power cut left empty gives its owner a new session, not a 500, and /store still lists the others', async () => {
    const store = fileStore()
    const { url } = await demo(store)
    const owner = await request(url).get('/')
    const other = await request(url).get('/')
    const file = fs.readdirSync(store.dir).find((name) => name.includes(sessionId(owner))) as string
    fs.writeFileSync(path.join(store.dir, file), '')
    const again = await request(url).get('/').set('Cookie', cookieHeader(owner)).expect(200)
    expect(again.text).toContain('id="views">1<')
    expect(sessionId(again)).not.toBe(sessionId(owner))
    const listed = await request(url).get('/store.json').expect(200)
    expect(Object.keys(listed.body as object).sort()).toEqual([sessionId(other), sessionId(again)].sort())
  })

  it('a broken store is a 500 with a plain message, never a stack trace', async () => {
    const store = new MemoryStore()
    const { url } = await demo(store)
    const visit = await request(url).get('/')
    store.get = (_sid, cb) => cb(new Error('disk on fire at /secret/path'))
    const res = await request(url).get('/').set('Cookie', cookieHeader(visit)).expect(500)
    expect(res.text).toBe('Something went wrong with the session store. The request could not be completed.\n')
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
  })

  it('while the store is away, pages still answer without a session, and a login is refused with 503', async () => {
    const store = new MemoryStore()
    const { client } = await demo(store)
    store.emit('disconnect')
    const home = await client.get('/').expect(200)
    expect(home.text).toContain('id="no-session"')
    expect(setCookies(home)).toEqual([])
    const login = await client.post('/login').type('form').send({ username: 'rasmus', password: 'default' }).expect(503)
    expect(login.text).toMatch(/^Sessions are unavailable right now/)
    store.emit('connect')
    await client.get('/').expect(200, /id="views">1</)
  })

  it('a store that cannot list sessions makes /store a 500 with the plain message', async () => {
    const store = new MemoryStore() as Store
    ;(store as { all?: unknown }).all = undefined
    const { client } = await demo(store)
    await client.get('/store').expect(500)
  })

  it('a body in an unsupported charset is refused with a plain message', async () => {
    const { client } = await demo()
    const res = await client
      .post('/login')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=klingon')
      .send('username=x')
      .expect(415)
    expect(res.text).toBe('The request could not be understood.\n')
  })

  it('what users send is escaped before it reaches a page', async () => {
    const { url } = await demo()
    const agent = request.agent(url)
    await agent.get('/')
    const res = await agent.post('/login').type('form').send({ username: '<b>x</b>', password: 'p' }).expect(401)
    expect(res.text).not.toContain('<b>x</b>')
    expect(res.text).toContain('value="&lt;b&gt;x&lt;/b&gt;"')
    expect(escapeHtml('<a href="x">\'&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&lt;/a&gt;')
  })

  it('GET /headers shows the request headers as JSON, never cached: no Cookie on the first visit, the session cookie arriving on the second', async () => {
    const { url } = await demo()
    const agent = request.agent(url)
    const first = await agent
      .get('/headers')
      .set('X-Take', '2')
      .expect(200)
      .expect('Cache-Control', 'no-store')
      .expect('Content-Type', /^application\/json/)
    expect(first.body).toMatchObject({ host: new URL(url).host, 'x-take': '2' })
    expect(first.body).not.toHaveProperty('cookie')
    expect(cookieHeader(first)).toMatch(/^connect\.sid=s%3A[\w-]{32}\./)
    const second = await agent.get('/headers').expect(200).expect('Cache-Control', 'no-store')
    expect((second.body as { cookie?: string }).cookie).toBe(cookieHeader(first))
  })

  /** The visit log as the page's list shows it. */
  const logList = (paths: string[]) =>
    `<ol id="visit-log">${paths.map((p) => `<li><code>${p}</code></li>`).join('')}</ol>`

  it('the visit log keeps the paths of the last ten logged pages, oldest first, and every page shows it', async () => {
    const store = new MemoryStore()
    const { url } = await demo(store)
    const agent = request.agent(url)
    const visited = [
      '/',
      '/inspect',
      '/store',
      '/headers',
      '/',
      '/',
      '/store',
      '/inspect',
      '/',
      '/headers',
      '/',
      '/store'
    ]
    const first = await agent.get(visited[0])
    for (const path of visited.slice(1)) await agent.get(path).expect(200)
    expect(VISIT_LOG_LENGTH).toBe(10)
    const lastTen = visited.slice(-10)
    expect((await storeGet(store, sessionId(first)))?.visitLog).toEqual(lastTen)
    const home = await agent.get('/').expect(200)
    expect(home.text).toContain(logList([...lastTen.slice(1), '/']))
    const form = await agent.get('/login').expect(200)
    expect(form.text).toContain(logList([...lastTen.slice(1), '/']))
  })

  it('a logged page changes the session, so each visit saves it instead of only touching it', async () => {
    const store = new MemoryStore()
    const { url } = await demo(store)
    const agent = request.agent(url)
    await agent.get('/')
    const calls = countCalls(store, 'set', 'touch')
    await agent.get('/inspect').expect(200)
    await agent.get('/store').expect(200)
    await agent.get('/headers').expect(200)
    expect(calls).toEqual({ set: 3, touch: 0 })
  })

  it('the login form, the JSON twins and every other path are not logged: their requests only touch the session', async () => {
    const store = new MemoryStore()
    const { url } = await demo(store)
    const agent = request.agent(url)
    const visit = await agent.get('/')
    const calls = countCalls(store, 'set', 'touch')
    await agent.get('/login').expect(200)
    await agent.get('/inspect.json').expect(200)
    await agent.get('/store.json').expect(200)
    await agent.get('/favicon.ico').expect(404)
    await agent.get('/no/such/page').expect(404)
    expect(calls).toEqual({ set: 0, touch: 5 })
    expect((await storeGet(store, sessionId(visit)))?.visitLog).toEqual(['/'])
  })

  it('the visit log starts over at login, as the counter does: regenerate gives a new, empty session', async () => {
    const { url } = await demo()
    const agent = request.agent(url)
    await agent.get('/')
    await agent.get('/store')
    await agent.post('/login').type('form').send({ username: 'rasmus', password: 'default' }).expect(303)
    const home = await agent.get('/').expect(200)
    expect(home.text).toContain('id="user">rasmus<')
    expect(home.text).toContain(logList(['/']))
  })

  it('a visit log that is not a list (a session file edited by hand) is shown empty and starts over', async () => {
    const store = new MemoryStore()
    const { url } = await demo(store)
    const visit = await request(url).get('/')
    const stored = (await storeGet(store, sessionId(visit))) as SessionData
    await storeSet(store, sessionId(visit), { ...stored, visitLog: '<b>edited</b>' } as unknown as SessionData)
    const form = await request(url).get('/login').set('Cookie', cookieHeader(visit)).expect(200)
    expect(form.text).toContain(logList([]))
    const page = await request(url).get('/store').set('Cookie', cookieHeader(visit)).expect(200)
    expect(page.text).toContain(logList(['/store']))
  })
})

describe('the login and its redirect', () => {
  it('the login redirect waits for the save: while the store holds the write, no header of the answer has gone out', async () => {
    const store = new FileStore({ dir: path.join(dir, 'sessions'), reapInterval: 0 })
    const app = createApp({ store, secret: 'test secret' })
    const responses: http.ServerResponse[] = []
    const { url } = await serve((req, res) => {
      responses.push(res)
      app(req, res)
    })
    // the visitor has seen the home page, so a session is stored before the login
    const visit = await request(url).get('/').expect(200)
    const held = holdSets(store)
    const redirect = new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(
        url + '/login',
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookieHeader(visit) }
        },
        resolve
      )
      req.on('error', reject)
      req.end('username=rasmus&password=default')
    })
    await eventually(() => expect(held.pending()).toBe(1))
    const sentBeforeTheSave = responses[1].headersSent
    // from here on the store writes at once
    Reflect.deleteProperty(store, 'set')
    held.release()
    const answer = await redirect
    answer.resume()
    // follow the redirect on the headers alone, as browsers do
    const cookie = String(answer.headers['set-cookie']?.[0]).split(';')[0]
    const home = await request(url).get('/').set('Cookie', cookie).expect(200)
    expect({ sentBeforeTheSave, status: answer.statusCode }).toEqual({ sentBeforeTheSave: false, status: 303 })
    expect(home.text).toContain('id="user">rasmus<')
  })
})
