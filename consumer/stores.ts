/**
 * Store-level code as store packages and their tests write it against
 * `@types/express-session`: partial cookie data in `set` and `touch`, a live
 * `Cookie` in a session's data, and stored data read back, whose `expires`
 * JSON has made a string. Compiled on its own (tsconfig.stores.json),
 * without the application's additions to `SessionData`, as a store package
 * is compiled; connect-redis 9's `RedisStore` is one of the stores.
 */
import { Cookie, MemoryStore, type SessionData, type Store } from 'express-session'
import { RedisStore } from 'connect-redis'
import { createClient } from 'redis'

/** Seconds until a stored session expires, or `fallback` for a cookie without expiry. */
export function ttlOf(sess: SessionData, fallback: number): number {
  if (!sess.cookie.expires) return fallback
  return Math.ceil((new Date(sess.cookie.expires).getTime() - Date.now()) / 1000)
}

/** The calls a store's test makes: partial cookie data, and a Cookie the test built. */
export function exercise(store: Store, done: () => void): void {
  const sess = { foo: 'bar', cookie: { originalMaxAge: null } }
  store.set('123', sess)
  const expires = new Date(Date.now() + 60_000)
  store.set('456', { cookie: { originalMaxAge: null, expires } })
  store.touch?.('456', { cookie: { originalMaxAge: null, expires: new Date(Date.now() + 90_000) } })
  const cookie = new Cookie()
  cookie.expires = new Date(Date.now() + 1000)
  store.set('s1', { cookie })
  store.get('456', (err, stored) => {
    if (!err && stored) console.log(ttlOf(stored, 86_400))
    done()
  })
}

/** The same calls on connect-redis's store, which returns promises as well. */
export async function exerciseRedis(): Promise<number> {
  const client = createClient({ url: 'redis://127.0.0.1:6379' })
  const store = new RedisStore({ client, prefix: 'test:' })
  const sess = { foo: 'bar', cookie: { originalMaxAge: null } }
  await store.set('123', sess)
  await store.set('456', { cookie: { originalMaxAge: null, expires: new Date(Date.now() + 60_000) } })
  await store.touch('456', { cookie: { originalMaxAge: null, expires: new Date(Date.now() + 90_000) } })
  const length: unknown = await store.length()
  return typeof length === 'number' ? length : -1
}

export const memory: Store = new MemoryStore()
