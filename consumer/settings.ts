/**
 * The package from an application compiled with other module settings than
 * the fixture app's NodeNext: the consumer test compiles this file alone
 * with each setting chapter 02 lists (CommonJS output, a bundler's
 * resolution, Node16), with `skipLibCheck: false` so that the package's
 * `.d.ts` files are checked too, then runs what it compiled.
 */
import session, { MemoryStore, Store, type SessionOptions } from 'express-session'

if (typeof session !== 'function') throw new Error('the default import is not the session function')

const options: session.SessionOptions = { secret: 'keyboard cat', resave: false, saveUninitialized: false }
const named: SessionOptions = options
const store: session.Store = new session.MemoryStore()

if (typeof session(named) !== 'function') throw new Error('session() did not return a middleware')
if (!(store instanceof Store) || !(new MemoryStore() instanceof session.Store)) throw new Error('two copies of Store')
console.log('settings: the default import is the session function, with its statics')
