/**
 * Chapter 04 — the answers to the chapter's challenges, as tests, on both
 * implementations.
 */
import { describe, expect, it } from 'vitest'
import { sessionApp } from '../../test/support/apps.js'
import { setCookies } from '../../test/support/cookies.js'
import { implementations } from '../../test/support/implementations.js'
import { countCalls } from '../../test/support/stores.js'

describe.each(implementations)('chapter 04 challenges ($name)', ({ session }) => {
  // #region answer-early-write
  it('a route that writes before it changes the session: saved in the store, but no cookie for the browser', async () => {
    const store = new session.MemoryStore()
    const { client } = await sessionApp(
      session,
      { store, saveUninitialized: false },
      {
        respond: (req, res) => {
          res.write('welcome, ') // the headers leave now: the hook asks shouldSetCookie of an empty new session
          ;(req.session as unknown as { user: string }).user = 'rasmus'
          res.end('rasmus') // shouldSave sees the change: the session is stored
        }
      }
    )
    const res = await client.get('/').expect(200, 'welcome, rasmus')
    expect(setCookies(res)).toEqual([])
    expect(Object.values(store.sessions).map((json) => (JSON.parse(json) as { user?: string }).user)).toEqual([
      'rasmus'
    ])
  })
  // #endregion answer-early-write

  it('a request without a cookie never asks the store for a session', async () => {
    const store = new session.MemoryStore()
    const calls = countCalls(store, 'get')
    const { client } = await sessionApp(session, { store })
    await client.get('/').expect(200)
    expect(calls).toEqual({ get: 0 })
  })
})
