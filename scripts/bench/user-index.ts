/**
 * What the log-out-everywhere index (src/extras/log-out-everywhere.ts)
 * costs a request: the store call a request ends with — `touch` for a
 * session it only read, `set` for one it changed — timed with tinybench,
 * plain and with the index, on a MemoryStore and on a FileStore, in
 * interleaved rounds. Each store already holds a few thousand sessions of
 * as many users.
 *
 * Run: npx tsx scripts/bench/user-index.ts
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Bench } from 'tinybench'
import { MemoryStore, type SessionData, type Store } from '../../src/index.js'
import { indexSessionsByUser } from '../../src/extras/log-out-everywhere.js'
import { FileStore } from '../../src/stores/file-store.js'

/** One row: a store call, plain and indexed, in microseconds. */
export interface IndexCostRow {
  call: string
  plainMicros: number
  indexedMicros: number
}

/** A session as a request carries it: an hour-long cookie and a user. */
function sessionOf(user: string): SessionData {
  const expires = new Date(Date.now() + 3_600_000)
  return { cookie: { originalMaxAge: 3_600_000, expires, httpOnly: true, path: '/' }, user, views: 3 }
}

/** `store[method](sid, sess)` as a promise. */
function call(store: Store, method: 'set' | 'touch', sid: string, sess: SessionData): Promise<void> {
  return new Promise((resolve, reject) =>
    (store[method] as Store['set']).call(store, sid, sess, (err) => (err ? reject(err as Error) : resolve()))
  )
}

/** Fill a store (through its own set, so an indexed store indexes them) with `count` sessions of as many users. */
async function fill(store: Store, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await call(store, 'set', `sid-${i}`, sessionOf(`user-${i}`))
}

/** The median of some numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Time `set` and `touch` on a plain and an indexed store of each kind:
 * `rounds` rounds, each timing every task for `time` ms in a rotating
 * order, so that whatever else the machine does falls on all of them; the
 * median of the rounds’ medians is reported.
 */
export async function measureIndexCost(sessions = 2000, rounds = 7, time = 200): Promise<IndexCostRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-user-index-'))
  const kinds: Array<{ name: string; make: () => Store }> = [
    { name: 'MemoryStore', make: () => new MemoryStore() },
    { name: 'FileStore', make: () => new FileStore({ dir: fs.mkdtempSync(path.join(dir, 'store-')), reapInterval: 0 }) }
  ]
  const rows: IndexCostRow[] = []
  try {
    for (const { name, make } of kinds) {
      const plain = make()
      const indexed = make()
      indexSessionsByUser(indexed, { userOf: (sess) => (sess as { user?: string }).user })
      await fill(plain, sessions)
      await fill(indexed, sessions)
      const sess = sessionOf('user-7')
      const tasks = (['touch', 'set'] as const).flatMap((method) => [
        { key: `${method} plain`, run: () => call(plain, method, 'sid-7', sess) },
        { key: `${method} indexed`, run: () => call(indexed, method, 'sid-7', sess) }
      ])
      const medians = new Map<string, number[]>(tasks.map((t) => [t.key, []]))
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < tasks.length; k++) {
          const task = tasks[(round + k) % tasks.length]
          const bench = new Bench({ time, warmupTime: 50 })
          bench.add(task.key, task.run)
          await bench.run()
          const result = bench.tasks[0].result as { latency?: { p50: number } } | undefined
          medians.get(task.key)?.push((result?.latency?.p50 ?? NaN) * 1000)
        }
      }
      for (const method of ['touch', 'set'] as const) {
        rows.push({
          call: `${name}.${method}`,
          plainMicros: median(medians.get(`${method} plain`) ?? []),
          indexedMicros: median(medians.get(`${method} indexed`) ?? [])
        })
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return rows
}

/** The rows as a Markdown table. */
export function indexCostTable(rows: IndexCostRow[]): string {
  const lines = ['| store call | plain | with the index | difference |', '| --- | ---: | ---: | ---: |']
  for (const r of rows) {
    const us = (n: number) => `${n.toFixed(1)} µs`
    lines.push(
      `| \`${r.call}\` | ${us(r.plainMicros)} | ${us(r.indexedMicros)} | ${us(r.indexedMicros - r.plainMicros)} |`
    )
  }
  return lines.join('\n')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(`Node.js ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`)
  console.log(indexCostTable(await measureIndexCost()))
}
