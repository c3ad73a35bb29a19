// Chapter 14: the extras at work, one line each.
// Run: npx tsx chapters/14-what-users-ask/try.ts
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import express, { type Request, type Response } from 'express'
import session, { MemoryStore, type SessionData, type SessionOptions, type Store } from '../../src/index.js'
import { sessionPromises } from '../../src/extras/promises.js'
import { regenerateKeeping } from '../../src/extras/regenerate-keeping.js'
import { indexSessionsByUser } from '../../src/extras/log-out-everywhere.js'
import { saveThenRedirect } from '../../src/extras/save-then-redirect.js'
import { versionStore } from '../../src/extras/versioned-store.js'
import { BoundedMemoryStore } from '../../src/extras/bounded-memory-store.js'

type Data = { user?: string; cart?: string[] }

/** Start an app with one route on `session(options)`; returns a way to call it, and to stop it. */
async function app(options: SessionOptions, route: (req: Request, res: Response) => Promise<void> | void) {
  const server = express()
    .use(session({ secret: 'chapter 14', resave: false, saveUninitialized: false, ...options }))
    .all('/{*path}', route)
    .listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const call = async (path: string, cookie = '') => {
    const res = await fetch(url + path, { method: 'POST', headers: { cookie }, redirect: 'manual' })
    return { text: await res.text(), cookie: (res.headers.get('set-cookie') ?? cookie).split(';')[0] }
  }
  const close = () => {
    server.close()
    server.closeAllConnections()
  }
  return { call, close }
}

// 1. promises
{
  const store = new MemoryStore()
  const { call, close } = await app({ store }, async (req, res) => {
    ;(req.session as unknown as Data).user = 'rasmus'
    await sessionPromises(req).save()
    store.get(req.sessionID, (_err, stored) => res.send((stored as Data | undefined)?.user ?? 'nothing'))
  })
  console.log(`promises: after await save(), the store holds user ${(await call('/')).text}`)
  close()
}

// 2. regenerate, keeping an allow-list
{
  const { call, close } = await app({ saveUninitialized: true }, async (req, res) => {
    const sess = req.session as unknown as Record<string, unknown>
    if (req.path === '/visit') {
      Object.assign(sess, { cart: ['book'], isAdmin: true })
      res.end()
      return
    }
    const before = req.sessionID
    const keys = (sess: object) =>
      Object.keys(sess)
        .filter((k) => k !== 'cookie')
        .join(', ')
    const had = keys(sess)
    await regenerateKeeping(req, ['cart'])
    res.send(
      `new id: ${req.sessionID !== before} | the old session held: ${had} | the new one holds: ${keys(req.session)}`
    )
  })
  const visit = await call('/visit')
  console.log(`regenerateKeeping(req, ['cart']): ${(await call('/login', visit.cookie)).text}`)
  close()
}

// 3. log out everywhere
{
  const store = new MemoryStore()
  const sessions = indexSessionsByUser(store, { userOf: (sess) => (sess as Data).user })
  const { call, close } = await app({ store }, async (req, res) => {
    if (req.path === '/everywhere') {
      res.send(String(await sessions.logOutEverywhere('rasmus')))
      return
    }
    if (req.path === '/login') (req.session as unknown as Data).user = req.query.as as string
    res.send((req.session as unknown as Data).user ?? 'anonymous')
  })
  const browsers = [await call('/login?as=rasmus'), await call('/login?as=rasmus'), await call('/login?as=rasmus')]
  const alice = await call('/login?as=alice')
  const destroyed = (await call('/everywhere')).text
  const after = await Promise.all(browsers.map(async (b) => (await call('/', b.cookie)).text))
  console.log(
    `log out everywhere: rasmus had ${browsers.length} sessions, ${destroyed} destroyed, his browsers now see ${after.join(', ')}; alice still sees ${(await call('/', alice.cookie)).text}`
  )
  close()
}

// 4. save, then redirect: the order of events on the server
{
  const orders: string[] = []
  for (const helper of [false, true]) {
    const events: string[] = []
    const store = new MemoryStore()
    const set = store.set.bind(store)
    store.set = (sid, sess, cb) => {
      events.push('write started')
      set(sid, sess, (err) => {
        events.push('write finished')
        cb?.(err)
      })
    }
    const { call, close } = await app({ store }, async (req, res) => {
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res
      res.writeHead = ((...args: unknown[]) => {
        events.push('headers sent')
        return writeHead(...args)
      }) as typeof res.writeHead
      ;(req.session as unknown as Data).user = 'rasmus'
      if (helper) await saveThenRedirect(req, res, '/', 303)
      else res.redirect(303, '/')
    })
    await call('/login')
    orders.push(`${helper ? 'saveThenRedirect' : 'res.redirect alone'} -> ${events.join(', ')}`)
    close()
  }
  console.log(`save then redirect: ${orders.join(' | ')}`)
}

// 5. the lost update, at the store: two copies loaded, both changed, saved one after the other
{
  const merge = (stored: SessionData, mine: SessionData) =>
    ({ ...mine, cart: [...new Set([...(stored as Data).cart!, ...(mine as Data).cart!])] }) as SessionData
  const stores: Array<[string, Store]> = [
    ['plain', new MemoryStore()],
    ['merged', versionStore(new MemoryStore(), { merge })],
    ['refused', versionStore(new MemoryStore())]
  ]
  const results: string[] = []
  for (const [label, store] of stores) {
    const save = promisify(store.set.bind(store))
    const load = async () => (await promisify(store.get.bind(store))('sid')) as SessionData & Data
    await save('sid', { cookie: { expires: null }, cart: [] } as unknown as SessionData)
    const [a, b] = [await load(), await load()]
    a.cart!.push('apple')
    b.cart!.push('pear')
    await save('sid', a)
    const second = await save('sid', b).then(
      () => 'saved',
      (err: Error) => err.name
    )
    results.push(`${label}: [${(await load()).cart!.join(', ')}] (second save: ${second})`)
  }
  console.log(`the lost update: ${results.join(' | ')}`)
}

// 6. a MemoryStore with a cap
{
  const store = new BoundedMemoryStore({ max: 3 })
  const save = promisify(store.set.bind(store))
  const load = promisify(store.get.bind(store))
  for (const sid of ['v1', 'v2', 'v3']) await save(sid, { cookie: { expires: null } } as unknown as SessionData)
  await load('v1')
  for (const sid of ['v4', 'v5']) await save(sid, { cookie: { expires: null } } as unknown as SessionData)
  console.log(
    `BoundedMemoryStore({ max: 3 }), five visitors, v1 came back once: holds ${Object.keys(store.sessions).join(', ')}`
  )
}
