// #region imports
/**
 * `sessionPromises`: the four `req.session` methods that report through a
 * callback — `save`, `reload`, `regenerate`, `destroy` — as promises, for
 * `await`. A wrapper beside the session, not a change to it, so that it
 * works with our `session()` and with express-session 1.19.0 alike, and
 * `req.session` and what its methods return stay exactly as they were.
 *
 * @module
 */

import type { Session } from '../index.js'
// #endregion imports

// #region types
/** The functions {@link sessionPromises} returns: each settles when the store has answered, and none needs `this`. */
export interface SessionPromises {
  /** Write the session to the store now; resolves once the store has it. */
  save: () => Promise<void>
  /** Replace `req.session` with a fresh copy from the store; rejects when the store no longer has it. */
  reload: () => Promise<void>
  /** Destroy the session and attach a new one with a new id. */
  regenerate: () => Promise<void>
  /** Remove the session from the request and from the store. */
  destroy: () => Promise<void>
}

/** A request the session middleware has run on: Express's, or a plain `node:http` one. */
export interface RequestWithSession {
  /** The request's session; missing after `destroy()`, or when the store was down. */
  session?: Session | null
}

type CallbackMethod = 'save' | 'reload' | 'regenerate' | 'destroy'
// #endregion types

// #region session-promises
/**
 * Promise versions of `req.session`'s callback methods. Each call looks up
 * `req.session` when it is made, so after `regenerate()` (or `reload()`),
 * which put a new object on the request, the next call acts on the new one.
 *
 * @example
 * ```ts
 * app.post('/login', async (req, res) => {
 *   const sessions = sessionPromises(req)
 *   await sessions.regenerate()
 *   req.session.user = 'rasmus'
 *   await sessions.save()
 *   res.redirect(303, '/')
 * })
 * ```
 */
export function sessionPromises(req: RequestWithSession): SessionPromises {
  return {
    save: () => settle(req, 'save'),
    reload: () => settle(req, 'reload'),
    regenerate: () => settle(req, 'regenerate'),
    destroy: () => settle(req, 'destroy')
  }
}
// #endregion session-promises

// #region settle
/** Call one method of the request's current session; its callback settles the promise. */
function settle(req: RequestWithSession, method: CallbackMethod): Promise<void> {
  return new Promise((resolve, reject) => {
    const sess = req.session
    if (!sess) {
      reject(new Error(`req.session is missing, so there is nothing to ${method}`))
      return
    }
    // a store that throws instead of calling back throws here, inside the executor: a rejection too
    sess[method]((err?: unknown) => {
      if (!err) resolve()
      else reject(err instanceof Error ? err : new Error(`session ${method} failed`, { cause: err }))
    })
  })
}
// #endregion settle
