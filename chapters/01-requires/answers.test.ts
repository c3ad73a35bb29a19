/**
 * Chapter 01 — the answers to the chapter's challenges, as tests.
 */
import crypto from 'node:crypto'
import cookie from 'cookie'
import { describe, expect, it } from 'vitest'

describe('chapter 01 challenges', () => {
  // #region answer-id-format
  it('an id made of base64url characters passes through cookie.serialize unchanged', () => {
    for (let i = 0; i < 1000; i++) {
      const id = crypto.randomBytes(24).toString('base64url')
      expect(cookie.serialize('sid', id)).toBe(`sid=${id}`)
    }
  })
  // #endregion answer-id-format
})
