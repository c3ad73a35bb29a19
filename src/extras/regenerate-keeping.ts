// #region imports
/**
 * `regenerateKeeping`: a new session id, as `req.session.regenerate()`
 * gives, that keeps the keys the application lists — a cart, a page to
 * return to — and drops everything else.
 *
 * @module
 */

import type { Session } from '../index.js'
// #endregion imports

// #region regenerate-keeping
/**
 * Regenerate the request's session, then copy the listed keys from the old
 * session onto the new one. Only the keys listed travel, and only those the
 * old session holds as its own data; the new session gets a fresh cookie,
 * so `'cookie'` cannot be listed. Whatever crosses over was written before
 * the new id existed, so treat it as input: check a return-to URL before
 * redirecting to it.
 *
 * @param req - a request the session middleware has run on
 * @param keep - the names of the keys to carry over
 * @returns a promise that settles when the old session has been destroyed
 *   and the new one attached (and rejects with the store's error, carrying
 *   nothing over, when the destroy fails)
 *
 * @example
 * ```ts
 * app.post('/login', async (req, res) => {
 *   // … check the password …
 *   await regenerateKeeping(req, ['cart', 'returnTo'])
 *   req.session.user = username
 *   res.redirect(303, '/')
 * })
 * ```
 */
export function regenerateKeeping(req: { session?: Session | null }, keep: readonly string[]): Promise<void> {
  if (keep.includes('cookie')) {
    throw new TypeError('regenerateKeeping cannot keep "cookie": the new session gets a cookie of its own')
  }
  return new Promise((resolve, reject) => {
    const old = req.session
    if (!old) {
      reject(new Error('req.session is missing, so there is nothing to regenerate'))
      return
    }
    const carried = ownData(old, keep)
    old.regenerate((err?: unknown) => {
      if (err) {
        reject(err instanceof Error ? err : new Error('session regenerate failed', { cause: err }))
        return
      }
      for (const [key, value] of carried) {
        // defineProperty, so that a key named __proto__ is data, never the prototype
        Object.defineProperty(req.session, key, { value, enumerable: true, writable: true, configurable: true })
      }
      resolve()
    })
  })
}
// #endregion regenerate-keeping

// #region own-data
/** The listed keys that `sess` holds as its own enumerable data, with their values. */
function ownData(sess: Session, keys: readonly string[]): Array<[string, unknown]> {
  const carried: Array<[string, unknown]> = []
  for (const key of new Set(keys)) {
    if (Object.prototype.propertyIsEnumerable.call(sess, key)) {
      carried.push([key, (sess as unknown as Record<string, unknown>)[key]])
    }
  }
  return carried
}
// #endregion own-data
