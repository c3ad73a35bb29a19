/**
 * connect-redis 9 beside the package installed as `express-session`: its
 * store compiles into the options, and is built on the package's `Store`.
 */
import session, { type SessionOptions } from 'express-session'
import { RedisStore } from 'connect-redis'
import { createClient } from 'redis'

/** The client an app makes; created, never connected, in the consumer test. */
export const client = createClient({ url: 'redis://127.0.0.1:6379' })

/** Options with connect-redis's store, as its README sets them up. */
export const options: SessionOptions = {
  store: new RedisStore({ client, prefix: 'app:' }),
  secret: 'keyboard cat',
  resave: false,
  saveUninitialized: false
}

/** Whether connect-redis's store is an instance of the installed package's `Store`. */
export const isOurStore: boolean = options.store instanceof session.Store
