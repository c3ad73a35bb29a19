/**
 * Chapter 12 — runnable answers to the chapter's challenges, on both
 * implementations: what `resave` changes for a request that only reads.
 */
import type { Request, Response } from 'express'
import { describe, expect, it } from 'vitest'
import { sessionApp } from '../../test/support/apps.js'
import { cookieHeader } from '../../test/support/cookies.js'
import { implementations } from '../../test/support/implementations.js'
import { countCalls } from '../../test/support/stores.js'

describe.each(implementations)('$name', ({ session }) => {
  // #region answer-resave-read
  it('a request that only reads: with resave: true its session is saved again, with resave: false only touched', async () => {
    const calls: Record<string, Record<string, number>> = {}
    for (const resave of [true, false]) {
      const store = new session.MemoryStore()
      const { client } = await sessionApp(
        session,
        { store, resave, saveUninitialized: false },
        {
          respond: (req: Request, res: Response) => {
            // ?write stores something, so that the session exists; otherwise the route only reads
            if (req.query.write !== undefined) (req.session as unknown as { n: number }).n = 1
            res.end()
          }
        }
      )
      const first = await client.get('/?write')
      const counted = countCalls(store, 'set', 'touch')
      await client.get('/').set('Cookie', cookieHeader(first))
      calls[`resave: ${resave}`] = counted
    }
    expect(calls).toEqual({ 'resave: true': { set: 1, touch: 0 }, 'resave: false': { set: 0, touch: 1 } })
  })
  // #endregion answer-resave-read
})
