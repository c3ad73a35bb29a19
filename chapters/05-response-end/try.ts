// Chapter 05: for each setting, what happens at the end of a response.
// Run: npx tsx chapters/05-response-end/try.ts
import type { AddressInfo } from 'node:net'
import express from 'express'
import session, { MemoryStore, type SessionOptions } from '../../src/index.js'

/** Serve an app with these options; return what the store and the response did on two requests. */
async function scenario(label: string, options: SessionOptions, modify: boolean): Promise<void> {
  const store = new MemoryStore()
  const calls: string[] = []
  const set = store.set.bind(store)
  const touch = store.touch.bind(store)
  store.set = (sid, sess, cb) => {
    calls.push('set')
    set(sid, sess, cb)
  }
  store.touch = (sid, sess, cb) => {
    calls.push('touch')
    touch(sid, sess, cb)
  }
  const app = express()
  app.use(session({ store, secret: 's', cookie: { maxAge: 60_000 }, ...options }))
  app.get('/', (req, res) => {
    const sess = req.session as typeof req.session & { n?: number }
    if (modify || req.query.first) sess.n = (sess.n ?? 0) + 1
    res.end('ok')
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const first = await fetch(url + '?first=1')
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]
  calls.length = 0
  const second = await fetch(url, { headers: { cookie } })
  const sent = second.headers.get('set-cookie') ? 'Set-Cookie' : 'no cookie'
  console.log(label.padEnd(44), '->', sent.padEnd(10), calls.join('+') || 'store untouched')
  server.close()
}

console.log('Second request of a known session:')
await scenario('resave: true, unchanged', { resave: true, saveUninitialized: false }, false)
await scenario('resave: false, unchanged', { resave: false, saveUninitialized: false }, false)
await scenario('resave: false, changed', { resave: false, saveUninitialized: false }, true)
await scenario(
  'resave: false, unchanged, rolling: true',
  { resave: false, saveUninitialized: false, rolling: true },
  false
)
