/**
 * Errors that escape every callback: an exception thrown inside an `fs`
 * callback or a timer, or a promise rejected with nobody to handle it. Left
 * alone, vitest catches them for the whole run and names no test; here one
 * test catches them while its code runs and fails with the first.
 */
import type { EventEmitter } from 'node:events'
import fs from 'node:fs'
import { vi } from 'vitest'
import { nextTurn } from './apps.js'

type Listener = (err: unknown) => void

/** Take over the process's listeners for one event; the returned function gives them back. */
function takeOver(event: 'uncaughtException' | 'unhandledRejection', listener: Listener): () => void {
  // as a plain emitter: process's own overloads name one event at a time
  const emitter: EventEmitter = process
  const saved = emitter.listeners(event) as Listener[]
  emitter.removeAllListeners(event)
  emitter.on(event, listener)
  return () => {
    emitter.removeListener(event, listener)
    for (const previous of saved) emitter.on(event, previous)
  }
}

/**
 * Run `run`, and reject with the first uncaught exception or unhandled
 * rejection that happens before it settles (or on the turn after): so a
 * store call without a callback that still calls one fails the test that
 * made it, not the run.
 */
export async function failOnEscape<T>(run: () => Promise<T>): Promise<T> {
  const escaped: unknown[] = []
  let reject: Listener = () => {}
  const escapes = new Promise<never>((_resolve, fail) => {
    reject = fail
  })
  const catcher: Listener = (err) => {
    escaped.push(err)
    reject(err)
  }
  const giveBack = [takeOver('uncaughtException', catcher), takeOver('unhandledRejection', catcher)]
  try {
    const result = await Promise.race([run(), escapes])
    await nextTurn()
    if (escaped.length > 0) throw escaped[0]
    return result
  } finally {
    for (const restore of giveBack) restore()
  }
}

/** The `fs` functions a store calls last, whose callbacks a test can wait for. */
type Awaitable = 'close' | 'unlink' | 'utimes' | 'readdir'

/**
 * A promise that settles once the callback of the next `fs[method]` call
 * for which `which` holds has run (or thrown): the moment a store call made
 * without a callback has finished.
 */
export function afterCallbackOf(method: Awaitable, which: (...args: unknown[]) => boolean = () => true): Promise<void> {
  const real = fs[method] as (...args: unknown[]) => void
  return new Promise((resolve) => {
    const spy = vi.spyOn(fs, method).mockImplementation((...args: unknown[]) => {
      if (!which(...args)) return real(...args)
      spy.mockRestore()
      const callback = args.pop() as (...results: unknown[]) => void
      real(...args, (...results: unknown[]) => {
        try {
          callback(...results)
        } finally {
          resolve()
        }
      })
    })
  })
}
