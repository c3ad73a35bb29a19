/**
 * The compiled app on 127.0.0.1: a first request gets a session cookie, the
 * second brings it back and finds its session; a login regenerates the id;
 * a logout forgets the user.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { createApp } from './app.js'

/** What GET /me answers. */
interface Me {
  id: string
  same: boolean
  name: string | null
  original: number | null
}

/** The `name=value` of a response's session cookie. */
function cookieOf(response: Response): string {
  const header = response.headers.getSetCookie()[0]
  assert.ok(header, 'the response sets the session cookie')
  assert.match(header, /^app\.sid=s%3Aid-/)
  return header.split(';')[0] ?? ''
}

/** GET /me with a cookie. */
async function me(base: string, cookie: string): Promise<Me> {
  const response = await fetch(`${base}/me`, { headers: { cookie } })
  return (await response.json()) as Me
}

const server = createApp().listen(0, '127.0.0.1')
await once(server, 'listening')
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

try {
  const first = await fetch(`${base}/`)
  assert.equal(await first.text(), '1')
  const cookie = cookieOf(first)

  const second = await fetch(`${base}/`, { headers: { cookie } })
  assert.equal(await second.text(), '2', 'the second request sees the session the first one made')

  const login = await fetch(`${base}/login`, { method: 'POST', headers: { cookie }, redirect: 'manual' })
  assert.equal(login.status, 302)
  const loggedIn = cookieOf(login)
  assert.notEqual(loggedIn, cookie, 'login regenerates the session id')

  const user = await me(base, loggedIn)
  assert.deepEqual([user.name, user.same, user.original], ['rasmus', true, 60_000])

  const logout = await fetch(`${base}/logout`, { method: 'POST', headers: { cookie: loggedIn } })
  assert.equal(logout.status, 200)
  assert.equal((await me(base, loggedIn)).name, null, 'after logout the old cookie finds no user')
  console.log(`check-serve: a session on ${base} across requests, login and logout`)
} finally {
  server.close()
}
