/**
 * Chapter 00 — why sessions: HTTP forgets, and a cookie plus a map on the
 * server remembers.
 */
import { describe, expect, it } from 'vitest'
import { createServer } from '../chapters/00-why-sessions/from-scratch.js'
import { serve } from './support/http.js'
import { cookieHeader } from './support/cookies.js'

describe('a session from scratch', () => {
  it('HTTP alone forgets: without a cookie every request is a first visit', async () => {
    const { client } = await serve(createServer())
    const bodies = []
    for (let i = 0; i < 3; i++) bodies.push((await client.get('/')).text)
    expect(bodies).toEqual(['visit 1\n', 'visit 1\n', 'visit 1\n'])
  })

  it('a cookie and a server-side map remember: the count rises per visitor', async () => {
    const { client } = await serve(createServer())
    const first = await client.get('/').expect(200, 'visit 1\n')
    expect(first.headers['set-cookie']?.[0]).toMatch(/^sid=[\w-]{24}; Path=\/; HttpOnly; SameSite=Lax$/)
    await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'visit 2\n')
    const third = await client.get('/').set('Cookie', cookieHeader(first)).expect(200, 'visit 3\n')
    expect(third.headers['set-cookie']).toBeUndefined()
  })

  it('two visitors get two ids and two counts', async () => {
    const { client } = await serve(createServer())
    const a = await client.get('/')
    const b = await client.get('/')
    expect(cookieHeader(a)).not.toBe(cookieHeader(b))
    await client.get('/').set('Cookie', cookieHeader(a)).expect('visit 2\n')
    await client.get('/').set('Cookie', cookieHeader(a)).expect('visit 3\n')
    await client.get('/').set('Cookie', cookieHeader(b)).expect('visit 2\n')
  })

  it('the sketch takes a known id from anyone: nothing proves the cookie is the one it issued', async () => {
    const { client } = await serve(createServer())
    const first = await client.get('/')
    await client.get('/').set('Cookie', 'sid=made-up').expect('visit 1\n')
    // any client that learns the id is that visitor, and the id never changes
    const replayed = await client
      .get('/')
      .set('Cookie', `other=1; ${cookieHeader(first)}`)
      .expect('visit 2\n')
    expect(replayed.headers['set-cookie']).toBeUndefined()
  })
})
