/**
 * Chapter 10 — runnable answers to the chapter's challenges: the cookie
 * that /headers shows arriving, and what a cookie's maxAge means to the
 * FileStore's reaper.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import signature from 'cookie-signature'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MemoryStore } from '../../src/index.js'
import { FileStore } from '../../src/stores/file-store.js'
import { createApp } from '../../demo/app.js'
import { sessionApp } from '../../test/support/apps.js'
import { sessionId } from '../../test/support/cookies.js'
import { serve } from '../../test/support/http.js'
import { implementations } from '../../test/support/implementations.js'

let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chapter-10-answers-'))
})
afterEach(() => {
  vi.useRealTimers()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('the companion app', () => {
  // #region answer-cookie-arrives
  it('the cookie /headers shows on the second visit carries the id the first visit was given, signed with the secret', async () => {
    const { url } = await serve(createApp({ store: new MemoryStore(), secret: 'the secret' }))
    const browser = request.agent(url)
    const first = await browser.get('/headers').expect(200)
    const second = await browser.get('/headers').expect(200)
    const sent = (second.body as { cookie?: string }).cookie ?? ''
    // connect.sid=s%3A<id>.<signature>: percent-decode the value, drop "s:", check the signature
    const value = decodeURIComponent(sent.slice('connect.sid='.length))
    expect(value.startsWith('s:')).toBe(true)
    expect(signature.unsign(value.slice(2), 'the secret')).toBe(sessionId(first))
  })
  // #endregion answer-cookie-arrives
})

describe.each(implementations)('the FileStore under $name', ({ session }) => {
  // #region answer-reap-max-age
  it("the reaper removes an abandoned session once its cookie's maxAge has passed, and never one without a maxAge", async () => {
    // two apps, each with its own store object on the one folder (session() claims its store's generate)
    const store = new FileStore({ dir, reapInterval: 0 })
    const withMaxAge = await sessionApp(session, { store, cookie: { maxAge: 60 * 60 * 1000 } })
    const other = new FileStore({ dir, reapInterval: 0 })
    const withoutMaxAge = await sessionApp(session, { store: other, cookie: {} })
    const abandoned = sessionId(await withMaxAge.client.get('/'))
    const browserSession = sessionId(await withoutMaxAge.client.get('/'))
    // a day later, and nobody has come back
    vi.useFakeTimers({ now: Date.now() + 24 * 60 * 60 * 1000, toFake: ['Date'] })
    const removed = await new Promise((resolve) => store.reap((_err, n) => resolve(n)))
    const left = fs.readdirSync(dir)
    expect(removed).toBe(1)
    expect(left.some((name) => name.endsWith(`~${abandoned}.json`))).toBe(false)
    expect(left.some((name) => name.endsWith(`~${browserSession}.json`))).toBe(true)
  })
  // #endregion answer-reap-max-age
})
