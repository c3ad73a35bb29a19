// Chapter 03: what session(options) checks, warns about and sets up.
// Run: npx tsx chapters/03-session-options/try.ts
import http from 'node:http'
import session, { MemoryStore, type SessionOptions, type SessionRequest } from '../../src/index.js'

process.on('deprecation', (err: Error) => console.log('  deprecation:', err.message))

console.log('session({}) with nothing set:')
session({})

const bad: Array<[string, SessionOptions]> = [
  ['genid: "bogus"', { genid: 'bogus' as never }],
  ['secret: []', { secret: [] }],
  ['unset: "forget"', { unset: 'forget' as never }]
]
for (const [label, options] of bad) {
  try {
    session({ secret: 's', resave: false, saveUninitialized: false, ...options })
  } catch (err) {
    console.log(`session({ ${label} }) throws ${(err as Error).name}: ${(err as Error).message}`)
  }
}

const store = new MemoryStore()
session({ store, secret: 's', resave: false, saveUninitialized: false, cookie: { maxAge: 60_000, sameSite: 'lax' } })
console.log('the store now listens for:', store.eventNames().join(', '))
const req = new http.IncomingMessage(null as never) as SessionRequest
store.generate(req)
console.log('store.generate(req) made session', req.sessionID, 'with cookie', JSON.stringify(req.session?.cookie))
