// Chapter 06: a store of your own, written the old way and the new way.
// Run: npx tsx chapters/06-store/try.ts
import util from 'node:util'
import { Store, type SessionData } from '../../src/index.js'

type Callback = (err?: unknown, sess?: SessionData | null) => void

/** The old way: a function, Store.call(this), util.inherits. */
function OldStore(this: Store & { data: Map<string, string> }) {
  Store.call(this)
  this.data = new Map()
}
util.inherits(OldStore, Store)
// eslint-disable-next-line @typescript-eslint/no-unsafe-member-access -- a function's prototype is typed any: the old way has no types
OldStore.prototype.get = function (this: { data: Map<string, string> }, sid: string, cb: Callback) {
  const json = this.data.get(sid)
  setImmediate(cb, null, json ? JSON.parse(json) : null)
}
// eslint-disable-next-line @typescript-eslint/no-unsafe-member-access -- a function's prototype is typed any: the old way has no types
OldStore.prototype.set = function (this: { data: Map<string, string> }, sid: string, sess: SessionData, cb?: Callback) {
  this.data.set(sid, JSON.stringify(sess))
  if (cb) setImmediate(cb)
}
// eslint-disable-next-line @typescript-eslint/no-unsafe-member-access -- a function's prototype is typed any: the old way has no types
OldStore.prototype.destroy = function (this: { data: Map<string, string> }, sid: string, cb?: Callback) {
  this.data.delete(sid)
  if (cb) setImmediate(cb)
}

/** The new way: class extends Store. */
class NewStore extends Store {
  data = new Map<string, string>()
  override get(sid: string, cb: Callback) {
    const json = this.data.get(sid)
    setImmediate(cb, null, json ? JSON.parse(json) : null)
  }
  override set(sid: string, sess: SessionData, cb?: Callback) {
    this.data.set(sid, JSON.stringify(sess))
    if (cb) setImmediate(cb)
  }
  override destroy(sid: string, cb?: Callback) {
    this.data.delete(sid)
    if (cb) setImmediate(cb)
  }
}

for (const [label, store] of [
  ['OldStore', new (OldStore as unknown as new () => Store)()],
  ['NewStore', new NewStore()]
] as const) {
  console.log(`${label}: instanceof Store ${store instanceof Store}, an EventEmitter with .on ${typeof store.on}`)
  const expires = new Date(Date.now() + 60_000)
  store.set('abc', {
    cookie: { originalMaxAge: 60_000, expires, path: '/', httpOnly: true },
    user: 'rasmus'
  } as SessionData)
  await new Promise<void>((resolve) => {
    store.load('abc', (err, sess) => {
      if (err) throw new Error('load failed', { cause: err })
      const loaded = sess as NonNullable<typeof sess> & { user: string }
      console.log(
        `  load("abc") -> a ${loaded.constructor.name}: id ${loaded.id}, user ${loaded.user}, cookie.expires is a Date? ${loaded.cookie.expires instanceof Date}`
      )
      resolve()
    })
  })
}
