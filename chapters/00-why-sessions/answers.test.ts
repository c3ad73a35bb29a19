/**
 * Chapter 00 — the answers to the chapter's challenges, as tests.
 */
import { describe, expect, it } from 'vitest'
import { serve } from '../../test/support/http.js'
import { cookieHeader } from '../../test/support/cookies.js'
import { createServer } from './from-scratch.js'

describe('chapter 00 challenges', () => {
  // #region answer-forgotten-cookie
  it('a restarted sketch treats its old cookie as a stranger’s: visit 1 and a new id', async () => {
    const before = await serve(createServer())
    const issued = await before.client.get('/').expect(200, 'visit 1\n')

    const after = await serve(createServer()) // a new Map: everything is forgotten
    const res = await after.client.get('/').set('Cookie', cookieHeader(issued)).expect(200, 'visit 1\n')

    expect(cookieHeader(res)).toMatch(/^sid=/)
    expect(cookieHeader(res)).not.toBe(cookieHeader(issued))
  })
  // #endregion answer-forgotten-cookie

  it('18 random bytes allow 2¹⁴⁴ ids, far more than any site holds', () => {
    const ids = 2n ** 144n
    expect(ids.toString()).toHaveLength(44)
    // a billion live sessions: a guess hits one less than once in 10^34 tries
    expect(ids / 1_000_000_000n > 10n ** 34n).toBe(true)
  })
})
