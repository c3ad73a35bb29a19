// #region imports
/**
 * `guardStore`: wraps a store so that a method that throws, or never calls
 * back, becomes an error passed to its callback. express-session trusts its
 * store completely; this is the missing seat belt, kept out of the faithful
 * core so that the core stays upstream's.
 *
 * @module
 */

import type { Store } from '../session/store.js'
// #endregion imports

// #region options-and-timeout-error
/** Options for {@link guardStore}. */
export interface GuardOptions {
  /** How long, in milliseconds, a store call may take before it fails; 5000 by default, `0` for no limit. */
  timeout?: number
}

/** The error a guarded store reports when a call takes too long. */
export class StoreTimeoutError extends Error {
  /** A code to tell this error apart without parsing its message. */
  readonly code = 'ESTORETIMEOUT'

  /**
   * @param method - the store method that did not answer
   * @param ms - how long it was given
   */
  constructor(method: string, ms: number) {
    super(`session store ${method}() did not answer within ${ms} ms`)
    this.name = 'StoreTimeoutError'
  }
}
// #endregion options-and-timeout-error

// #region guard-store
const GUARDED = ['get', 'set', 'destroy', 'touch', 'all', 'length', 'clear'] as const

/**
 * Guard every storage method of `store`, in place, and return it. A method
 * the store does not have stays absent (the middleware checks for `touch`).
 *
 * @example
 * ```ts
 * app.use(session({ store: guardStore(new RedisStore({ client }), { timeout: 2000 }), secret, resave: false, saveUninitialized: false }))
 * ```
 */
export function guardStore<S extends Store>(store: S, options: GuardOptions = {}): S {
  const timeout = options.timeout ?? 5000
  for (const method of GUARDED) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- detached on purpose: guarded() applies it to the store
    const original = store[method] as ((...args: unknown[]) => void) | undefined
    if (typeof original !== 'function') continue
    Object.defineProperty(store, method, {
      configurable: true,
      enumerable: false,
      writable: true,
      value: guarded(store, method, original, timeout)
    })
  }
  return store
}
// #endregion guard-store

// #region guarded
/**
 * One guarded method: the callback runs exactly once, with an error if the
 * call threw or took too long. A call without a callback has nothing to
 * guard and goes through untouched, a throw included.
 */
function guarded(store: Store, method: string, original: (...args: unknown[]) => void, timeout: number) {
  return function (this: Store, ...args: unknown[]): void {
    const target = this === undefined ? store : this
    const last = args.length - 1
    const callback =
      typeof args[last] === 'function' ? (args[last] as (err?: unknown, ...results: unknown[]) => void) : undefined
    if (!callback) return original.apply(target, args)
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const once = (err?: unknown, ...results: unknown[]) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      callback(err, ...results)
    }
    if (timeout > 0) {
      timer = setTimeout(() => once(new StoreTimeoutError(method, timeout)), timeout)
      timer.unref()
    }
    try {
      original.apply(target, [...args.slice(0, last), once])
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      setImmediate(once, Object.assign(new Error(`session store ${method}() threw: ${reason}`), { cause: err }))
    }
  }
}
// #endregion guarded
