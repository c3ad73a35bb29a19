// Chapter 01: each dependency, doing its one job.
// Run: npx tsx chapters/01-requires/try.ts
import crypto from 'node:crypto'
import http from 'node:http'
import cookie from 'cookie'
import signature from 'cookie-signature'
import depd from 'depd'
import onHeaders from 'on-headers'
import parseUrl from 'parseurl'

console.log(
  'cookie.parse      ',
  JSON.stringify(cookie.parse('connect.sid=s%3Aabc.def; theme=dark; connect.sid=second'))
)
console.log(
  'cookie.serialize  ',
  cookie.serialize('connect.sid', 's:abc.def', { path: '/', httpOnly: true, sameSite: 'lax' })
)

const signed = signature.sign('abc', 'keyboard cat')
console.log('signature.sign    ', signed)
console.log(
  'signature.unsign  ',
  signature.unsign(signed, 'keyboard cat'),
  '| with the wrong secret:',
  signature.unsign(signed, 'other')
)

const id = crypto.randomBytes(24).toString('base64url')
console.log('crypto id         ', id, `(${id.length} characters from 24 random bytes)`)
const digest = crypto.hash('sha1', '{"views":1}', 'hex')
const same = digest === crypto.createHash('sha1').update('{"views":1}').digest('hex')
console.log('crypto sha1       ', digest, `(crypto.hash; createHash, upstream's way, agrees: ${same})`)

const req = { url: '/inner', originalUrl: '/mounted/inner?x=1' } as unknown as http.IncomingMessage
console.log('parseurl.original ', parseUrl.original(req)?.pathname, '(the URL before a router stripped its mount path)')

const deprecate = depd('express-session')
process.on('deprecation', (err: Error) => console.log('depd              ', err.message))
deprecate('this option is going away')

const server = http.createServer((_req, res) => {
  onHeaders(res, () => {
    res.setHeader('X-Added-Last', 'just before the headers went out')
  })
  res.end('ok')
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const { port } = server.address() as { port: number }
const res = await fetch(`http://127.0.0.1:${port}/`)
console.log('on-headers        ', res.headers.get('x-added-last'))
server.close()
