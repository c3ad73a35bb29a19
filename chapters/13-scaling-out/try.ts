// Chapter 13: two app instances, with a store each and with one shared store;
// and a cookie issued by express-session, read by ours.
// Run: npx tsx chapters/13-scaling-out/try.ts
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import express from 'express'
import session, { MemoryStore, type Store } from '../../src/index.js'

const upstream = createRequire(import.meta.url)('express-session') as typeof session

/** An instance of a tiny app; `use` picks the session module. */
async function instance(store: Store, use: typeof session = session) {
  const app = express()
  app.use(use({ store, secret: 'one secret for every instance', resave: false, saveUninitialized: false }))
  app.post('/login', (req, res) => {
    ;(req.session as unknown as { user: string }).user = 'rasmus'
    res.end('ok')
  })
  app.get('/', (req, res) => {
    res.end((req.session as unknown as { user?: string }).user ?? 'anonymous')
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, close: () => server.close() }
}

/** Log in on A, then ask B. */
async function loginOnAskOther(a: { url: string }, b: { url: string }): Promise<string> {
  const login = await fetch(a.url + '/login', { method: 'POST' })
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]
  return (await fetch(b.url + '/', { headers: { cookie } })).text()
}

const separate = [await instance(new MemoryStore()), await instance(new MemoryStore())]
console.log(
  'two instances, a MemoryStore each:      logged in on A, B says',
  JSON.stringify(await loginOnAskOther(separate[0], separate[1]))
)

const shared = new MemoryStore()
const together = [await instance(shared), await instance(shared)]
console.log(
  'two instances, one shared store:         logged in on A, B says',
  JSON.stringify(await loginOnAskOther(together[0], together[1]))
)

const mixed = new MemoryStore()
const original = await instance(mixed, upstream)
const reimplemented = await instance(mixed, session)
console.log(
  'express-session issues, ours reads:      logged in on A, B says',
  JSON.stringify(await loginOnAskOther(original, reimplemented))
)

for (const i of [...separate, ...together, original, reimplemented]) i.close()
