/**
 * The library imported inside a test, for `npm run mutate` (main.ts adds this
 * file to the library's test files; `npm test` does not run it).
 *
 * Every test file imports `src/` at its top. A mutant that makes a module
 * throw while it loads, such as `depd('')` (depd refuses an empty namespace),
 * fails those files before any of their tests run; the vitest runner of
 * StrykerJS 9.6 then reports no test at all, and Stryker counts the mutant as
 * survived (its `testsCompleted` is 0). Here the modules are imported by the
 * tests themselves, so such a mutant fails a test. Each test also checks what
 * the loaded line is for: the namespace depd puts on its warnings, which
 * test/03 and test/07 check against both implementations too.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

/** depd's warnings as `namespace: message`: with a 'deprecation' listener, depd emits instead of printing. */
const seen: string[] = []
const listener = (err: Error & { namespace?: string }) => {
  seen.push(`${err.namespace}: ${err.message}`)
}
beforeEach(() => {
  seen.length = 0
  vi.resetModules()
  process.on('deprecation', listener)
})
afterEach(() => {
  process.off('deprecation', listener)
})

describe('the library, imported inside a test (ours only)', () => {
  it('src/index.ts loads, and warns under the namespace express-session', async () => {
    const { default: session } = await import('../../src/index.js')
    session({ resave: false, saveUninitialized: false })
    expect(seen).toEqual(['express-session: req.secret; provide secret option'])
  })

  it('src/session/cookie.ts loads, and warns under the namespace express-session', async () => {
    const { default: Cookie } = await import('../../src/session/cookie.js')
    new Cookie().maxAge = new Date(Date.now() + 1000)
    expect(seen).toEqual(['express-session: maxAge as Date; pass number of milliseconds instead'])
  })

  it('src/session/session.ts, store.ts and memory.ts load, and make a store that answers', async () => {
    const { default: MemoryStore } = await import('../../src/session/memory.js')
    const store = new MemoryStore()
    const answer = await new Promise<unknown[]>((resolve) => store.length((...args) => resolve(args)))
    expect(answer).toEqual([null, 0])
  })
})
