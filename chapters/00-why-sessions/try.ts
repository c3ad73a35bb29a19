// Chapter 00: HTTP forgets; a cookie plus a server-side Map remembers.
// Run: npx tsx chapters/00-why-sessions/try.ts
import type { AddressInfo } from 'node:net'
import { createServer } from './from-scratch.js'

const server = createServer()
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`

console.log('Three requests that send no cookie (HTTP keeps nothing between them):')
for (let i = 0; i < 3; i++) {
  const res = await fetch(url)
  console.log('  ' + (await res.text()).trim())
}

console.log('Three requests that send back the cookie the server set:')
let cookie = ''
for (let i = 0; i < 3; i++) {
  const res = await fetch(url, { headers: cookie ? { cookie } : {} })
  cookie ||= (res.headers.get('set-cookie') ?? '').split(';')[0]
  console.log('  ' + (await res.text()).trim() + (i === 0 ? `   <- Set-Cookie: ${cookie.slice(0, 12)}…` : ''))
}

server.close()
