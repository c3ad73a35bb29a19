/**
 * Heap bytes per session, for each in-memory store: our MemoryStore,
 * express-session 1.19.0's, the BoundedMemoryStore of chapter 14 (under
 * its cap, and at a cap of a fifth of the sessions offered), and our
 * MemoryStore with the log-out-everywhere index. For each, `rounds` times:
 * collect garbage, note the heap, store `sessions` sessions, collect
 * again, note the heap; the median of the rounds is reported.
 *
 * Run: node --expose-gc --import tsx scripts/bench/memory.ts [--sessions N] [--rounds R]
 */
import crypto from 'node:crypto'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { MemoryStore, type SessionData, type Store } from '../../src/index.js'
import { BoundedMemoryStore } from '../../src/extras/bounded-memory-store.js'
import { indexSessionsByUser } from '../../src/extras/log-out-everywhere.js'

const require = createRequire(import.meta.url)

/** One row of the table. */
export interface MemoryRow {
  store: string
  /** Sessions offered to the store. */
  offered: number
  /** Sessions the store holds at the end. */
  held: number
  /** Heap bytes the store grew by, median of the rounds. */
  bytes: number
}

/** The stores measured, each made fresh for every round. */
function kinds(sessions: number): Array<{ name: string; make: () => Store }> {
  const upstream = require('express-session') as { MemoryStore: new () => Store }
  return [
    { name: 'MemoryStore (ours)', make: () => new MemoryStore() },
    { name: 'MemoryStore (express-session 1.19.0)', make: () => new upstream.MemoryStore() },
    { name: 'BoundedMemoryStore, under its cap', make: () => new BoundedMemoryStore({ max: sessions }) },
    {
      name: `BoundedMemoryStore, max ${Math.floor(sessions / 5)}`,
      make: () => new BoundedMemoryStore({ max: Math.floor(sessions / 5) })
    },
    {
      name: 'MemoryStore (ours) + log-out-everywhere index',
      make: () => {
        const store = new MemoryStore()
        indexSessionsByUser(store, { userOf: (sess) => (sess as { user?: string }).user })
        return store
      }
    }
  ]
}

/** A session as an app with a logged-in user keeps it: an hour-long cookie, a user, a little data. */
function sessionOf(i: number): SessionData {
  return {
    cookie: {
      originalMaxAge: 3_600_000,
      expires: new Date(Date.now() + 3_600_000),
      secure: false,
      httpOnly: true,
      path: '/',
      sameSite: 'lax'
    },
    user: `user-${i}`,
    views: i % 100,
    cart: ['book', 'lamp']
  } as unknown as SessionData
}

/** Store `count` sessions under fresh random ids, waiting for every callback. */
async function fill(store: Store, count: number): Promise<void> {
  const set = promisify(store.set.bind(store))
  for (let i = 0; i < count; i++) await set(crypto.randomBytes(24).toString('base64url'), sessionOf(i))
}

/** How many sessions a store holds. */
async function countOf(store: Store): Promise<number> {
  if (!store.length) throw new Error('the store has no length()')
  return (await promisify(store.length.bind(store))()) ?? 0
}

/** The heap in use after a full collection. */
function heapAfterGc(gc: () => void): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** The median of some numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * One round: the heap a fresh store grows by when it takes `sessions`
 * sessions. A function of its own, so that nothing of an earlier round's
 * store is still referenced from a caller's frame when the heap is noted.
 */
async function oneRound(make: () => Store, sessions: number, gc: () => void): Promise<{ grown: number; held: number }> {
  const before = heapAfterGc(gc)
  const store = make()
  await fill(store, sessions)
  // the store is still in use below, so the collection cannot take it
  const grown = heapAfterGc(gc) - before
  return { grown, held: await countOf(store) }
}

/** Measure every store; needs `node --expose-gc`. */
export async function measureMemory(sessions = 5000, rounds = 5): Promise<MemoryRow[]> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (typeof gc !== 'function') throw new Error('run with node --expose-gc --import tsx scripts/bench/memory.ts')
  const rows: MemoryRow[] = []
  for (const { name, make } of kinds(sessions)) {
    const grown: number[] = []
    let held = 0
    for (let round = 0; round < rounds; round++) {
      const result = await oneRound(make, sessions, gc)
      grown.push(result.grown)
      held = result.held
    }
    rows.push({ store: name, offered: sessions, held, bytes: median(grown) })
  }
  return rows
}

/** The rows as a Markdown table. */
export function memoryTable(rows: MemoryRow[]): string {
  const lines = [
    '| store | sessions offered | sessions held | heap | per session held |',
    '| --- | ---: | ---: | ---: | ---: |'
  ]
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`
  for (const r of rows) {
    lines.push(`| ${r.store} | ${r.offered} | ${r.held} | ${kib(r.bytes)} | ${Math.round(r.bytes / r.held)} B |`)
  }
  return lines.join('\n')
}

/** A command-line option's value, or its default. */
function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const sessions = option('sessions', 5000)
  const rounds = option('rounds', 5)
  console.log(
    `Node.js ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}; ${rounds} rounds`
  )
  console.log(memoryTable(await measureMemory(sessions, rounds)))
}
