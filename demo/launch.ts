/**
 * What `npm start` and `npm run repl` share: the store, secret, port and
 * host taken from the environment, the app listening, and a clean stop.
 *
 * PORT changes the port, HOST the address (127.0.0.1 by default),
 * SESSION_STORE=memory swaps the FileStore in ./.sessions for a MemoryStore,
 * SESSION_STORE=redis for a RedisStore at REDIS_URL (redis://127.0.0.1:6379),
 * SESSION_SECRET sets the signing secret, SESSIONS_DIR the FileStore's folder.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type express from 'express'
import { MemoryStore, type Store } from '../src/index.js'
import { createClient } from 'redis'
import { FileStore, type CorruptFileReport } from '../src/stores/file-store.js'
import { RedisStore } from '../src/stores/redis-store.js'
import { createApp } from './app.js'

const DEV_SECRET = 'express-session-annotated dev secret: set SESSION_SECRET'

/** The store the environment asks for, and how to let go of it on the way out. */
function storeFromEnv(): { store: Store; description: string; close: () => Promise<void> } {
  const kind = process.env.SESSION_STORE ?? 'file'
  const nothing = async () => {}
  if (kind === 'memory')
    return { store: new MemoryStore(), description: 'MemoryStore (sessions vanish on restart)', close: nothing }
  if (kind === 'redis') {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
    // keep retrying while Redis is away; the store tells the middleware meanwhile
    const client = createClient({
      url,
      socket: { reconnectStrategy: (retries) => Math.min(100 * (retries + 1), 2000) }
    })
    const store = new RedisStore({ client })
    client.connect().catch((err: Error) => console.error(`Redis at ${url}: ${err.message}`))
    return {
      store,
      description: `RedisStore at ${url}`,
      close: async () => {
        if (client.isOpen) await client.close()
      }
    }
  }
  if (kind !== 'file') throw new Error(`SESSION_STORE must be "file", "memory" or "redis", not ${JSON.stringify(kind)}`)
  const dir = process.env.SESSIONS_DIR ?? '.sessions'
  const store = new FileStore({ dir })
  store.on('corrupt', (report: CorruptFileReport) => {
    console.error(
      `Not a session, set aside: ${report.file} (${report.reason}); now at ${report.movedTo ?? 'the same place'}`
    )
  })
  return {
    store,
    description: `FileStore in ${dir}/ (one JSON file per session)`,
    close: nothing
  }
}

/** The port from PORT, refusing anything that is not one. */
function portFromEnv(): number {
  const raw = process.env.PORT ?? '3000'
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, not ${JSON.stringify(raw)}`)
  return port
}

/** The companion app, listening. */
export interface Launched {
  app: express.Express
  store: Store
  server: http.Server
  /** Where a browser finds it. */
  url: string
  /** Close the server and the store, then end the process. */
  stop: () => void
}

/**
 * Start the companion app as the environment says, and resolve once it
 * listens. `listener` turns the app into what the server calls for each
 * request (the app itself unless given). A setting that is wrong, or a
 * port that is taken, ends the process with a message and exit code 1.
 */
export function launch(listener: (app: express.Express) => http.RequestListener = (app) => app): Promise<Launched> {
  return new Promise((resolve) => {
    try {
      const port = portFromEnv()
      const host = process.env.HOST ?? '127.0.0.1'
      const { store, description, close } = storeFromEnv()
      const secret = process.env.SESSION_SECRET || DEV_SECRET
      if (!process.env.SESSION_SECRET) {
        console.log(
          'Notice: SESSION_SECRET is not set, so a development secret signs the cookies. Never do that in production.'
        )
      }
      const app = createApp({ store, secret })
      const server = http.createServer(listener(app))
      const stop = () => {
        server.close(() => {
          void close().finally(() => process.exit(0))
        })
        server.closeIdleConnections()
        // a browser may hold a keep-alive connection open; do not wait on it for long
        setTimeout(() => server.closeAllConnections(), 1000).unref()
      }
      server.on('error', (err) => {
        console.error(`Could not start the companion app: ${err.message}`)
        process.exit(1)
      })
      server.listen(port, host, () => {
        const { port: actual } = server.address() as AddressInfo
        const shown = host === '127.0.0.1' || host === '::1' ? 'localhost' : host
        const url = `http://${shown}:${actual}`
        console.log(`Store: ${description}`)
        console.log(`The companion app is on ${url}`)
        // a parent that started us with an IPC channel (the tests) gets the port as data, not as prose to parse
        process.send?.({ companion: 'listening', port: actual })
        resolve({ app, store, server, url, stop })
      })
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    } catch (err) {
      console.error((err as Error).message)
      process.exit(1)
    }
  })
}
