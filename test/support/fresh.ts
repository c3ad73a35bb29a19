/**
 * Each implementation loaded afresh, inside the test process. Both read some
 * things once, when their module loads: NODE_ENV (for the MemoryStore
 * warning) and whether `debug('express-session')` prints. A test that
 * changes either loads a new copy of the module after the change; the copy
 * every other test uses is left as it was.
 */
import { createRequire } from 'node:module'
import util from 'node:util'
import createDebug from 'debug'
import { onTestFinished, vi } from 'vitest'
import type { SessionModule } from './implementations.js'

const require = createRequire(import.meta.url)
const upstreamEntry = require.resolve('express-session')
const requireFromUpstream = createRequire(upstreamEntry)

/** What the two `debug` majors (4 for ours, 2.6.9 inside express-session) have in common. */
export interface DebugModule {
  enable(namespaces: string): void
  formatArgs: (this: { namespace: string }, args: unknown[]) => void
  log: (...args: unknown[]) => void
}

/** An implementation that can be loaded afresh, with the `debug` module it prints through. */
export interface FreshImplementation {
  name: string
  debug: DebugModule
  load: () => Promise<SessionModule>
}

/** Ours: vitest evaluates src/ again after resetModules; node_modules (debug, depd) stay shared. */
async function loadOurs(): Promise<SessionModule> {
  vi.resetModules()
  const { default: session } = await import('../../src/index.js')
  return session
}

/** express-session: its index.js required again, the cached copy put back when the test finishes. */
function loadUpstream(): Promise<SessionModule> {
  const cached = require.cache[upstreamEntry]
  delete require.cache[upstreamEntry]
  onTestFinished(() => {
    require.cache[upstreamEntry] = cached
  })
  return Promise.resolve(requireFromUpstream(upstreamEntry) as SessionModule)
}

/** Both implementations, to be loaded afresh, for `describe.each`. */
export const freshImplementations: FreshImplementation[] = [
  { name: 'ours', debug: createDebug as unknown as DebugModule, load: loadOurs },
  { name: 'express-session 1.19.0', debug: requireFromUpstream('debug') as DebugModule, load: loadUpstream }
]

/**
 * Turn `debug` on for `namespaces` ('express-session' unless named) and
 * collect its lines (`namespace message`, without colour or time) instead of
 * printing them; undone when the current test finishes. Call it before
 * loading: the module decides then.
 */
export function captureDebug(debug: DebugModule, namespaces = 'express-session'): string[] {
  const lines: string[] = []
  const saved = { formatArgs: debug.formatArgs, log: debug.log, env: process.env.DEBUG }
  debug.enable(namespaces)
  debug.formatArgs = function (args) {
    args[0] = `${this.namespace} ${String(args[0])}`
  }
  debug.log = (...args) => {
    lines.push(util.format(...args))
  }
  onTestFinished(() => {
    debug.formatArgs = saved.formatArgs
    debug.log = saved.log
    debug.enable(saved.env ?? '')
    if (saved.env === undefined) delete process.env.DEBUG
    else process.env.DEBUG = saved.env
  })
  return lines
}
