// Chapter 14: the extras at work, one line each.
// Run: npx tsx chapters/14-what-users-ask/try.ts
import type { AddressInfo } from 'node:net'
import express, { type Request, type Response } from 'express'
import session, { MemoryStore, type SessionOptions } from '../../src/index.js'
import { sessionPromises } from '../../src/extras/promises.js'
import { regenerateKeeping } from '../../src/extras/regenerate-keeping.js'

type Data = { user?: string }

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
  return { call, close: () => server.close() }
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
