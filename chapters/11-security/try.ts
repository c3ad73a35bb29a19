// Chapter 11: three attacks on a login, and what stops each.
// Run: npx tsx chapters/11-security/try.ts
import type { AddressInfo } from 'node:net'
import express from 'express'
import signature from 'cookie-signature'
import session from '../../src/index.js'

/** A tiny bank with a login that can regenerate the session or not. */
async function bank(regenerate: boolean) {
  const app = express()
  app.use(session({ secret: 'bank secret', resave: false, saveUninitialized: true }))
  app.get('/', (req, res) => {
    res.send((req.session as unknown as { user?: string }).user ?? 'anonymous')
  })
  app.post('/login', (req, res, next) => {
    const done = () => {
      ;(req.session as unknown as { user: string }).user = 'rasmus'
      req.session.save(() => res.send('ok'))
    }
    if (regenerate) req.session.regenerate((err) => (err ? next(err) : done()))
    else done()
  })
  app.post('/logout', (req, res) => {
    req.session.destroy(() => res.send('bye'))
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const call = async (method: string, path: string, cookie?: string) => {
    const res = await fetch(url + path, { method, headers: cookie ? { cookie } : {} })
    return { text: await res.text(), cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] }
  }
  return { call, close: () => server.close() }
}

for (const regenerate of [false, true]) {
  const { call, close } = await bank(regenerate)
  const planted = (await call('GET', '/')).cookie
  await call('POST', '/login', planted)
  console.log(
    `fixation, login ${regenerate ? 'with' : 'without'} regenerate: the attacker's planted cookie now sees "${(await call('GET', '/', planted)).text}"`
  )
  close()
}

const { call, close } = await bank(true)
const login = (await call('POST', '/login')).cookie
const id = decodeURIComponent(login.split('=')[1]).slice(2).split('.')[0]
console.log(
  `forgery, the right id signed with a guessed secret: "${(await call('GET', '/', 'connect.sid=' + encodeURIComponent('s:' + signature.sign(id, 'guess')))).text}"`
)
console.log(`forgery, the right id unsigned: "${(await call('GET', '/', 'connect.sid=' + id)).text}"`)
console.log(`the real cookie: "${(await call('GET', '/', login)).text}"`)
await call('POST', '/logout', login)
console.log(`replay of that cookie after logout: "${(await call('GET', '/', login)).text}"`)
close()
