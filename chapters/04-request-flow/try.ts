// Chapter 04: how a request finds its session, or gets a new one.
// Run: npx tsx chapters/04-request-flow/try.ts
import type { AddressInfo } from 'node:net'
import express from 'express'
import session from '../../src/index.js'

const app = express()
app.use(session({ secret: 'keyboard cat', resave: false, saveUninitialized: true }))
app.get('/', (req, res) => {
  const sess = req.session as typeof req.session & { visits?: number }
  sess.visits = (sess.visits ?? 0) + 1
  res.send(`${req.sessionID} visit ${sess.visits}`)
})
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

/** One request; prints what came back. */
async function visit(label: string, cookie?: string): Promise<string> {
  const res = await fetch(url, { headers: cookie ? { cookie } : {} })
  const body = await res.text()
  console.log(label.padEnd(34), '->', body)
  return (res.headers.get('set-cookie') ?? '').split(';')[0]
}

const good = await visit('no cookie: a new session')
await visit('the signed cookie sent back', good)
await visit('the same id, signature tampered', good.replace(/...$/, 'AAA'))
await visit('the bare id, unsigned', 'connect.sid=' + decodeURIComponent(good.split('=')[1]).slice(2).split('.')[0])
await visit('the signed cookie again', good)
server.close()
