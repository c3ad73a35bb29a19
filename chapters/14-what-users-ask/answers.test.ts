/**
 * Chapter 14 — runnable answers to the chapter's challenges: a log-out-
 * everywhere index rebuilt from a FileStore after a restart (on both
 * implementations), and an `evict` event for BoundedMemoryStore.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import express, { type Request, type Response } from 'express'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { SessionCallback, SessionData, Store } from '../../src/index.js'
import { BoundedMemoryStore } from '../../src/extras/bounded-memory-store.js'
import { indexSessionsByUser, type SessionIndex } from '../../src/extras/log-out-everywhere.js'
import { sessionPromises } from '../../src/extras/promises.js'
import { FileStore } from '../../src/stores/file-store.js'
import { data, route } from '../../test/support/apps.js'
import { sessionId } from '../../test/support/cookies.js'
import { serve } from '../../test/support/http.js'
import { implementations, type SessionModule } from '../../test/support/implementations.js'
import { storedSession, storeSet } from '../../test/support/stores.js'

/** Whose session it is: the user the login route wrote, if any. */
const userOf = (sess: SessionData) => (sess as { user?: string }).user

/** An app whose POST /login?as=<user> regenerates the session and records the user. */
async function loginApp(session: SessionModule, store: Store) {
  const app = express()
  app.use(session({ store, secret: 'chapter 14', resave: false, saveUninitialized: false }))
  app.post(
    '/login',
    route(async (req: Request, res: Response) => {
      await sessionPromises(req).regenerate()
      data(req).user = req.query.as as string
      res.end()
    })
  )
  return serve(app)
}

// #region answer-rebuild-index
/** Fill `index` from every session the store holds; call it once, before the app listens. */
async function rebuildIndex(
  store: Store,
  index: SessionIndex,
  userOf: (sess: SessionData) => string | undefined
): Promise<void> {
  if (!store.all) throw new Error('this store cannot list its sessions')
  const all = (await promisify(store.all.bind(store))()) ?? {}
  if (Array.isArray(all)) throw new Error('this store lists its sessions without their ids')
  for (const [sid, sess] of Object.entries(all)) {
    const user = userOf(sess)
    const expires = sess.cookie.expires ? new Date(sess.cookie.expires).getTime() : null
    if (user !== undefined) await index.add(user, sid, expires)
  }
}
// #endregion answer-rebuild-index

describe.each(implementations)('$name', ({ session }) => {
  // #region answer-rebuild-index-test
  it('rebuilt from the store, the memory index knows the sessions from before a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-index-'))
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }))
    // before the restart: an indexed FileStore, and rasmus logs in
    const before = new FileStore({ dir, reapInterval: 0 })
    indexSessionsByUser(before, { userOf })
    const { client } = await loginApp(session, before)
    const sid = sessionId(await client.post('/login?as=rasmus').expect(200))
    // after it: a new store on the same folder, and a new index, empty until it is rebuilt
    const after = new FileStore({ dir, reapInterval: 0 })
    const sessions = indexSessionsByUser(after, { userOf })
    expect(await sessions.sessionsOf('rasmus')).toEqual([])
    await rebuildIndex(after, sessions.index, userOf)
    expect(await sessions.sessionsOf('rasmus')).toEqual([sid])
  })
  // #endregion answer-rebuild-index-test
})

describe('BoundedMemoryStore', () => {
  // #region answer-evict
  /** The answer's event, from outside: after each set, an `evict` for every id the cap dropped. */
  class EvictingMemoryStore extends BoundedMemoryStore {
    override set(sid: string, session: SessionData, callback?: SessionCallback): void {
      const before = Object.keys(this.sessions)
      super.set(sid, session, callback)
      for (const gone of before) if (!(gone in this.sessions)) this.emit('evict', gone)
    }
  }

  it('says which session it evicts', async () => {
    const store = new EvictingMemoryStore({ max: 1 })
    const evicted: string[] = []
    store.on('evict', (sid: string) => evicted.push(sid))
    await storeSet(store, 'a', storedSession(60_000))
    expect(evicted).toEqual([])
    await storeSet(store, 'b', storedSession(60_000))
    expect(evicted).toEqual(['a'])
  })
  // #endregion answer-evict
})
