/**
 * A CommonJS file in TypeScript: `import … = require()` of the package
 * installed as `express-session`. Compiled to build/require-app.cjs and run.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- require() is the idiom this file tests */
import assert = require('node:assert/strict')
import session = require('express-session')

const middleware = session({ secret: 'keyboard cat', resave: false, saveUninitialized: false })
assert.equal(typeof middleware, 'function')
assert.ok(new session.MemoryStore() instanceof session.Store)
assert.equal(require('express-session'), session)
console.log('require-app.cts: import session = require() gives the function, with its statics')
