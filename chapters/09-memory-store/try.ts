// Chapter 09: MemoryStore keeps JSON, hands out copies, and forgets expired sessions only when asked.
// Run: npx tsx chapters/09-memory-store/try.ts
import { MemoryStore, type SessionData } from '../../src/index.js'

const store = new MemoryStore()
const soon = {
  cookie: { originalMaxAge: 300, expires: new Date(Date.now() + 300), path: '/', httpOnly: true },
  user: 'rasmus'
} as unknown as SessionData & { user: string }
store.set('short-lived', soon)
soon.user = 'changed after set'
console.log('stored as a string:', store.sessions['short-lived'])

store.get('short-lived', (_err, sess) => {
  console.log('get right away     ->', (sess as typeof soon).user, '(a copy: the later change did not reach the store)')
  setTimeout(() => {
    console.log('after 400 ms, still in memory?', 'short-lived' in store.sessions)
    store.get('short-lived', (_e, gone) => {
      console.log('get after expiry   ->', gone, '| still in memory?', 'short-lived' in store.sessions)
    })
  }, 400)
})
