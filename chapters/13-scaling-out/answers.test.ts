/**
 * Chapter 13 — runnable answers to the chapter's challenges, on both
 * implementations: two processes that share a store but not a secret.
 */
import type { Request, Response } from 'express'
import { describe, it } from 'vitest'
import { sessionApp } from '../../test/support/apps.js'
import { cookieHeader } from '../../test/support/cookies.js'
import { implementations } from '../../test/support/implementations.js'

/** Say who is logged in; `?login` logs rasmus in. */
function who(req: Request, res: Response): void {
  const data = req.session as unknown as { user?: string }
  if (req.query.login !== undefined) data.user = 'rasmus'
  res.end(data.user ?? 'anonymous')
}

describe.each(implementations)('$name', ({ session }) => {
  // #region answer-one-store-two-secrets
  it('two processes that share a store but not a secret: a login on one is unknown to the other', async () => {
    const shared = new session.MemoryStore()
    const one = await sessionApp(session, { store: shared, secret: 'secret of process one' }, { respond: who })
    const two = await sessionApp(session, { store: shared, secret: 'secret of process two' }, { respond: who })
    const login = await one.client.get('/?login').expect(200, 'rasmus')
    // the session is in the shared store, but process two cannot verify the cookie that names it
    await two.client.get('/').set('Cookie', cookieHeader(login)).expect(200, 'anonymous')
    const same = await sessionApp(session, { store: shared, secret: 'secret of process one' }, { respond: who })
    await same.client.get('/').set('Cookie', cookieHeader(login)).expect(200, 'rasmus')
  })
  // #endregion answer-one-store-two-secrets
})
