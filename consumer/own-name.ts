/**
 * The package under its own name, with its subpath modules: the stores
 * beyond upstream's. Compiled by the consumer test; check-import.mjs and
 * check-require.cjs load the same modules at run time.
 */
import session, { MemoryStore, type SessionOptions } from 'express-session-annotated'
import { FileStore, type FileStoreOptions } from 'express-session-annotated/stores/file-store'
import { guardStore, StoreTimeoutError } from 'express-session-annotated/stores/guarded-store'
import { RedisStore, type RedisLikeClient, type RedisStoreOptions } from 'express-session-annotated/stores/redis-store'

/** A FileStore behind a guard, as the package's chapters set one up. */
export function fileSessions(dir: string): SessionOptions {
  const fileOptions: FileStoreOptions = { dir, reapInterval: 0 }
  return {
    store: guardStore(new FileStore(fileOptions), { timeout: 2000 }),
    secret: 'keyboard cat',
    resave: false,
    saveUninitialized: false
  }
}

/** A RedisStore over any client shaped like node-redis 5's. */
export function redisSessions(client: RedisLikeClient): SessionOptions {
  const redisOptions: RedisStoreOptions = { client, prefix: 'app:', ttl: 3600 }
  return { store: new RedisStore(redisOptions), secret: 'keyboard cat', resave: false, saveUninitialized: false }
}

/** The statics and the named exports are one set of classes. */
export const oneMemoryStore: boolean = session.MemoryStore === MemoryStore
export const timeoutIsAnError: boolean = new StoreTimeoutError('get', 5) instanceof Error
