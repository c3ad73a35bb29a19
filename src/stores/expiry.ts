// #region stored-expiry
/**
 * When stored session data expires: the one reading of `cookie.expires`
 * that this repository's own stores (FileStore, RedisStore) share.
 *
 * @module
 */

/**
 * The part of stored session data that carries its expiry. In a store the
 * cookie is plain data: `expires` is the date as JSON wrote it (a string),
 * a `Date` when the data never went through JSON, or `null` for a cookie
 * that lasts as long as the browser.
 */
export interface StoredExpiry {
  /** The session's cookie as stored; only its expiry is read. */
  cookie?: { expires?: string | Date | null } | null
}

/**
 * When `stored` expires, in milliseconds since 1970; `undefined` when it
 * never does: no cookie, no expiry, or an expiry that is not a date (which
 * cannot shorten a session's life).
 */
export function expiresAt(stored: StoredExpiry): number | undefined {
  const expires = stored.cookie?.expires
  if (expires === null || expires === undefined) return undefined
  const time = new Date(expires).getTime()
  return Number.isNaN(time) ? undefined : time
}

/** Whether `stored` has expired at `now` (milliseconds since 1970): its expiry is `now` or earlier. */
export function isExpired(stored: StoredExpiry, now: number): boolean {
  const time = expiresAt(stored)
  return time !== undefined && time <= now
}
// #endregion stored-expiry
