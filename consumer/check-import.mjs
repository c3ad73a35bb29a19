/**
 * Plain Node.js, ES modules: default and named imports of the package under
 * both names, the same objects that require() returns.
 */
/* global console */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import session, { Cookie, MemoryStore, Session, Store } from 'express-session'
import own, * as ownNamespace from 'express-session-annotated'

const require = createRequire(import.meta.url)

assert.equal(typeof session, 'function')
assert.equal(session, require('express-session'))
assert.deepEqual(
  [session.Store, session.Cookie, session.Session, session.MemoryStore],
  [Store, Cookie, Session, MemoryStore]
)
assert.equal(typeof own, 'function')
assert.equal(ownNamespace.MemoryStore, own.MemoryStore)
assert.notEqual(own, session, 'two names, two installed copies')
assert.ok(new MemoryStore() instanceof Store)
console.log('check-import.mjs: default and named imports are the objects require() returns')
