// Chapter 08: req.session's methods, and what each does to request and store.
// Run: npx tsx chapters/08-session/try.ts
import http from 'node:http'
import session, { MemoryStore, type SessionRequest } from '../../src/index.js'

const store = new MemoryStore()
session({ store, secret: 's', resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } })

const req = new http.IncomingMessage(null as never) as SessionRequest
req.sessionStore = store
store.generate(req)
const sess = () => req.session as NonNullable<SessionRequest['session']> & { user?: string }
const stored = () =>
  Object.keys(store.sessions)
    .map((id) => `${id.slice(0, 8)}…: ${store.sessions[id].length} bytes`)
    .join(', ') || '(empty)'
const step = (label: string) =>
  new Promise<void>((resolve) =>
    setImmediate(() => {
      console.log(
        label.padEnd(38),
        '| req.session:',
        req.session ? `${req.sessionID?.slice(0, 8)}… user=${sess().user}` : 'undefined',
        '| store:',
        stored()
      )
      resolve()
    })
  )

await step('generate')
console.log('enumerable keys of req.session:', Object.keys(sess()).join(', '), '(id, req and the methods are hidden)')
sess().user = 'rasmus'
sess().save()
await step('user = "rasmus"; save()')
store.sessions[req.sessionID as string] = store.sessions[req.sessionID as string].replace('rasmus', 'changed elsewhere')
sess().reload(() => {})
await step('another request changed it; reload()')
sess().regenerate(() => {})
await step('regenerate()')
sess().user = 'rasmus'
sess().save()
await step('user = "rasmus"; save()')
sess().destroy(() => {})
await step('destroy()')
