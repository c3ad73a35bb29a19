// #region imports
/**
 * `saveThenRedirect`: save the session, and redirect only once the store
 * has it, so that a browser following the redirect finds the session.
 *
 * @module
 */

import type { Session } from '../index.js'
// #endregion imports

// #region types
/** The part of Express's response the helper needs (Express 4 and 5 both have it). */
export interface RedirectingResponse {
  /** Answer with a redirect to `url`, with the given status. */
  redirect(status: number, url: string): void
}
// #endregion types

// #region save-then-redirect
/**
 * Save the request's session, wait until the store has it, then call
 * `res.redirect(status, url)`. When the save fails, nothing is sent and the
 * promise rejects with the store's error, for the app's error handler; a
 * request without a session (the store was down) is redirected at once.
 *
 * @param req - a request the session middleware has run on
 * @param res - the response to redirect
 * @param url - where to send the browser
 * @param status - the redirect's status; 302 by default, as Express's
 *
 * @example
 * ```ts
 * app.post('/login', async (req, res) => {
 *   await regenerateKeeping(req, ['returnTo'])
 *   req.session.user = username
 *   await saveThenRedirect(req, res, '/', 303)
 * })
 * ```
 */
export function saveThenRedirect(
  req: { session?: Session | null },
  res: RedirectingResponse,
  url: string,
  status = 302
): Promise<void> {
  return new Promise((resolve, reject) => {
    const sess = req.session
    if (!sess) {
      res.redirect(status, url)
      resolve()
      return
    }
    sess.save((err?: unknown) => {
      if (err) {
        reject(err instanceof Error ? err : new Error('session save failed', { cause: err }))
        return
      }
      res.redirect(status, url)
      resolve()
    })
  })
}
// #endregion save-then-redirect
