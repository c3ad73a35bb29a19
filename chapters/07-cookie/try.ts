// Chapter 07: the Cookie object, and a signed session cookie taken apart.
// Run: npx tsx chapters/07-cookie/try.ts
import signature from 'cookie-signature'
import { Cookie } from '../../src/index.js'

// the clock is held still while the cookie is made: the constructor reads it twice, and a millisecond
// passing in between would record originalMaxAge as 59999 (chapter 07)
const realNow = Date.now
const madeAt = realNow()
Date.now = () => madeAt
const cookie = new Cookie({ maxAge: 60_000, sameSite: 'lax', secure: true })
Date.now = realNow
console.log('new Cookie({ maxAge: 60000, sameSite: "lax", secure: true })')
console.log('  maxAge         ', cookie.maxAge, '(milliseconds left, counting down)')
console.log('  originalMaxAge ', cookie.originalMaxAge)
console.log('  expires        ', (cookie.expires as Date).toISOString())
console.log('  JSON           ', JSON.stringify(cookie))

const id = 'tYOtmbb58e8lLjIs-GaCJv3YVATHGzS1'
const value = 's:' + signature.sign(id, 'keyboard cat')
const header = cookie.serialize('connect.sid', value)
console.log('\nThe Set-Cookie header:')
console.log('  ' + header)

const [pair] = header.split('; ')
const decoded = decodeURIComponent(pair.slice(pair.indexOf('=') + 1))
const dot = decoded.lastIndexOf('.')
console.log('\nIts value, taken apart:')
console.log('  prefix    ', decoded.slice(0, 2), '(s: = signed)')
console.log('  id        ', decoded.slice(2, dot))
console.log('  signature ', decoded.slice(dot + 1), '(HMAC-SHA256 of the id, base64, no padding)')
console.log('  verifies with "keyboard cat"?', signature.unsign(decoded.slice(2), 'keyboard cat') === id)
console.log('  verifies with "another cat"? ', signature.unsign(decoded.slice(2), 'another cat') === id)
