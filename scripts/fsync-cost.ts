/**
 * What flushing costs the FileStore per write: `npx tsx scripts/fsync-cost.ts`.
 *
 * Saves one session again and again, one write at a time, in two ways taking
 * turns: as the store does it (the temporary file flushed before the rename,
 * the folder after), and with `fs.fsync` swapped for a no-op, which is the
 * store as it was before it flushed. Prints the median time of one `set` in
 * each way and the difference, with the disk the folder lives on.
 *
 * Options: --dir PATH (a folder under the system's temporary folder by
 * default; give one on the disk you care about), --writes N per turn (200),
 * --turns N (5).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import type { SessionData } from '../src/index.js'
import { FileStore } from '../src/stores/file-store.js'

/** A command-line option's value, or its default. */
function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback)
}

const base = option('dir', os.tmpdir())
const WRITES = Number(option('writes', '200'))
const TURNS = Number(option('turns', '5'))

const dir = fs.mkdtempSync(path.join(base, 'fsync-cost-'))
const store = new FileStore({ dir, reapInterval: 0 })
const session = {
  cookie: { originalMaxAge: 86_400_000, expires: new Date(Date.now() + 86_400_000), httpOnly: true, path: '/' },
  views: 1,
  user: 'rasmus'
} as unknown as SessionData

const realFsync = fs.fsync
const noFsync = ((_fd: number, callback: fs.NoParamCallback) =>
  setImmediate(callback, null)) as unknown as typeof fs.fsync

/** The milliseconds each of `count` sequential saves took. */
async function saves(count: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    await new Promise<void>((resolve, reject) =>
      store.set('measured', session, (err) =>
        err ? reject(err instanceof Error ? err : new Error('FileStore.set failed')) : resolve()
      )
    )
    times.push(performance.now() - start)
  }
  return times
}

/** The middle value. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** What `df` says about the folder's file system, for the record. */
function diskOf(folder: string): string {
  try {
    const lines = execFileSync('df', ['-T', folder], { encoding: 'utf8' }).trim().split('\n')
    const [device, type] = lines[lines.length - 1].split(/\s+/)
    return `${type} on ${device}`
  } catch {
    return 'unknown file system'
  }
}

try {
  const flushed: number[] = []
  const unflushed: number[] = []
  await saves(20) // warm up
  for (let turn = 0; turn < TURNS; turn++) {
    fs.fsync = noFsync
    unflushed.push(...(await saves(WRITES)))
    fs.fsync = realFsync
    flushed.push(...(await saves(WRITES)))
  }
  const [withFlush, withoutFlush] = [median(flushed), median(unflushed)]
  console.log(`FileStore.set, ${TURNS} turns of ${WRITES} sequential writes each way, in ${dir} (${diskOf(dir)})`)
  console.log(`  flushed (fsync of the file, then of the folder): median ${withFlush.toFixed(3)} ms per write`)
  console.log(`  not flushed (fs.fsync a no-op):                  median ${withoutFlush.toFixed(3)} ms per write`)
  console.log(`  the flushing costs ${(withFlush - withoutFlush).toFixed(3)} ms per write`)
} finally {
  fs.fsync = realFsync
  fs.rmSync(dir, { recursive: true, force: true })
}
