// Chapter 02: the public surface, from ESM and from CommonJS.
// Run: npx tsx chapters/02-exports/try.ts
import { createRequire } from 'node:module'
import session, { Cookie, MemoryStore, Session, Store } from '../../src/index.js'

console.log('import session from …   ->', typeof session, `(named "${session.name}", ${session.length} parameter)`)
console.log(
  'session.Store etc.      ->',
  [session.Store, session.Cookie, session.Session, session.MemoryStore].map((f) => f.name).join(', ')
)
console.log(
  'named exports the same? ->',
  session.Store === Store &&
    session.Cookie === Cookie &&
    session.Session === Session &&
    session.MemoryStore === MemoryStore
)

const require = createRequire(import.meta.url)
const required = require('../../src/index.ts') as typeof session
console.log(
  'require(…) returns      ->',
  typeof required,
  '| the very object the import gave?',
  required === session,
  '(tsx compiled the file once for each loader)'
)
console.log('require(…/cookie.ts)    ->', typeof require('../../src/session/cookie.ts'))
