/**
 * connect-redis 9, installed beside the package without flags: both of its
 * builds (ES module and CommonJS) extend the one `Store` of the package
 * installed as `express-session`.
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import session from 'express-session'
import { RedisStore } from 'connect-redis'
import { client, isOurStore, options } from './with-connect-redis.js'

const require = createRequire(import.meta.url)
const commonjs = require('connect-redis') as { RedisStore: typeof RedisStore }

assert.equal(isOurStore, true, "connect-redis's ES module build extends our Store")
assert.ok(new commonjs.RedisStore({ client }) instanceof session.Store, 'and so does its CommonJS build')
assert.equal(typeof session(options), 'function')
console.log("check-connect-redis: connect-redis's store is built on the package's Store")
