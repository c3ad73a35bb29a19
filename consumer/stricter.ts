/**
 * Where the package is deliberately stricter than `@types/express-session`:
 * each line under a `@ts-expect-error TSnnnn` comment compiles with @types
 * and is refused here, for the reason given (chapter 02 says more). The
 * consumer test compiles this file against the packed package, so a
 * refusal that goes away fails it; test/02-types.test.ts removes the
 * directives and checks that each line reports exactly the error named.
 */
/* eslint-disable @typescript-eslint/no-unsafe-call -- the refused lines do not type-check, on purpose */
import type express from 'express'
import session, { MemoryStore } from 'express-session'

export function readsTheCookie(req: express.Request): void {
  // @ts-expect-error TS2322 -- maxAge is null for a cookie without expiry (the default), not only undefined
  const left: number | undefined = req.session.cookie.maxAge
  // @ts-expect-error TS2322 -- originalMaxAge is undefined after cookie: { maxAge: undefined }
  const original: number | null = req.session.cookie.originalMaxAge
  void [left, original]
}

export function readsTheStore(store: MemoryStore): void {
  store.get('sid', (_err, sess) => {
    if (sess?.cookie.expires) {
      // @ts-expect-error TS2339 -- what a store gives back went through JSON: expires may be a string
      console.log(sess.cookie.expires.getTime())
    }
  })
}

export function readsTheError(req: express.Request): void {
  req.session.save((err) => {
    // @ts-expect-error TS2339 -- a store may call back with anything, not only an Error
    if (err) console.log(err.message)
  })
}

export const ignoredCookieOptions: session.SessionOptions = {
  secret: 'keyboard cat',
  resave: false,
  saveUninitialized: false,
  cookie: {
    // @ts-expect-error TS2353 -- express-session never reads it: the cookie is always signed
    signed: true
  }
}

export const ignoredEncode: session.CookieOptions = {
  // @ts-expect-error TS2353 -- express-session never passes it on: the id is always encoded the same way
  encode: (value: string) => value
}

export const expressOnlyRequest: session.SessionOptions = {
  // @ts-expect-error TS2322 -- the function is given the request as Node.js knows it, Express or not
  cookie: (req: express.Request) => ({ secure: req.secure })
}
