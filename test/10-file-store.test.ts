/**
 * Chapter 10 — the FileStore on its own: sessions as files that survive a
 * restart, a store that refuses unsafe ids and never tears a file, and the
 * store under both implementations' middleware.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Store } from '../src/index.js'
import { FileStore } from '../src/stores/file-store.js'
import { sessionApp } from './support/apps.js'
import { cookieHeader } from './support/cookies.js'
import { implementations } from './support/implementations.js'
import { storeAll, storedSession, storeGet, storeLength, storeSet } from './support/stores.js'

const root = fileURLToPath(new URL('..', import.meta.url))
let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-store-'))
})
afterEach(() => {
  vi.restoreAllMocks()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** A store call as a promise of the error it reports (or undefined). */
function errorOf(call: (cb: (err?: unknown) => void) => void): Promise<unknown> {
  return new Promise((resolve) => call((err) => resolve(err)))
}

/** A FileStore in the test's folder without a sweeping timer. */
function fileStore(sub = 'sessions'): FileStore {
  return new FileStore({ dir: path.join(dir, sub), reapInterval: 0 })
}

describe('FileStore', () => {
  it('creates its folder, however deep', () => {
    const store = new FileStore({ dir: path.join(dir, 'a', 'b', 'c'), reapInterval: 0 })
    expect(fs.statSync(store.dir).isDirectory()).toBe(true)
  })

  it('refuses to start without a folder', () => {
    expect(() => new FileStore({} as never)).toThrow('FileStore needs a dir option')
  })

  it('keeps each session as readable JSON in <id>.json', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000, { user: 'rasmus' }))
    const text = fs.readFileSync(path.join(store.dir, 'abc.json'), 'utf8')
    expect(JSON.parse(text)).toMatchObject({ user: 'rasmus' })
    expect(text).toContain('\n  "user": "rasmus"')
    expect(await storeGet(store, 'abc')).toMatchObject({ user: 'rasmus' })
  })

  it('a session survives a restart: a new store on the same folder reads it', async () => {
    await storeSet(fileStore(), 'abc', storedSession(60_000, { user: 'rasmus' }))
    expect(await storeGet(fileStore(), 'abc')).toMatchObject({ user: 'rasmus' })
  })

  it('a missing session reads as undefined', async () => {
    expect(await storeGet(fileStore(), 'nobody')).toBeUndefined()
  })

  it('an expired file reads as no session and is removed', async () => {
    const store = fileStore()
    await storeSet(store, 'old', storedSession(-1))
    expect(await storeGet(store, 'old')).toBeUndefined()
    expect(fs.readdirSync(store.dir)).toEqual([])
  })

  it('a session without expiry does not expire', async () => {
    const store = fileStore()
    await storeSet(store, 'forever', storedSession(null))
    expect(await storeGet(store, 'forever')).toBeDefined()
  })

  it('the reaper removes expired files and leaves live and unreadable ones', async () => {
    const store = fileStore()
    await storeSet(store, 'live', storedSession(60_000))
    await storeSet(store, 'dead1', storedSession(-1))
    await storeSet(store, 'dead2', storedSession(-1000))
    fs.writeFileSync(path.join(store.dir, 'broken.json'), '{ not json')
    const removed = await new Promise((resolve) => store.reap((_err, n) => resolve(n)))
    expect(removed).toBe(2)
    expect(fs.readdirSync(store.dir).sort()).toEqual(['broken.json', 'live.json'])
  })

  it('the reaper runs on its interval', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    try {
      const store = new FileStore({ dir: path.join(dir, 'timed'), reapInterval: 1000 })
      const reap = vi.spyOn(store, 'reap').mockImplementation(() => {})
      vi.advanceTimersByTime(3000)
      expect(reap).toHaveBeenCalledTimes(3)
      store.close()
      vi.advanceTimersByTime(3000)
      expect(reap).toHaveBeenCalledTimes(3)
    } finally {
      vi.useRealTimers()
    }
  })

  it("the reaper's timer does not keep the process alive", () => {
    const script = `
      import { FileStore } from './src/stores/file-store.ts'
      new FileStore({ dir: ${JSON.stringify(path.join(dir, 'child'))}, reapInterval: 50 })
      console.log('made')`
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000
    })
    expect([result.status, result.signal, result.stdout.trim()]).toEqual([0, null, 'made'])
  })

  it('writes go to a temporary file first: until the rename, the old session is intact', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000, { n: 1 }))
    const seenDuringWrite: string[] = []
    const writeFile = fs.writeFile
    vi.spyOn(fs, 'writeFile').mockImplementation(((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      seenDuringWrite.push(path.basename(String(file)))
      seenDuringWrite.push(
        fs.readFileSync(path.join(store.dir, 'abc.json'), 'utf8').includes('"n": 1') ? 'old intact' : 'old torn'
      )
      return (writeFile as (...a: unknown[]) => void)(file, ...rest)
    }) as typeof fs.writeFile)
    await storeSet(store, 'abc', storedSession(60_000, { n: 2 }))
    expect(seenDuringWrite[0]).toMatch(/^\.abc\.json\.\d+\.[0-9a-f]{12}\.tmp$/)
    expect(seenDuringWrite[1]).toBe('old intact')
    expect(await storeGet(store, 'abc')).toMatchObject({ n: 2 })
    expect(fs.readdirSync(store.dir)).toEqual(['abc.json'])
  })

  it('a failed rename reports the error, keeps the old session and leaves no temporary file', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000, { n: 1 }))
    vi.spyOn(fs, 'rename').mockImplementation(((_from: fs.PathLike, _to: fs.PathLike, cb: (err: Error) => void) => {
      cb(Object.assign(new Error('disk full'), { code: 'ENOSPC' }))
    }) as typeof fs.rename)
    const err = await errorOf((cb) => store.set('abc', storedSession(60_000, { n: 2 }), cb))
    expect((err as Error).message).toBe('disk full')
    vi.restoreAllMocks()
    expect(await storeGet(store, 'abc')).toMatchObject({ n: 1 })
    expect(fs.readdirSync(store.dir)).toEqual(['abc.json'])
  })

  it('a write that fails halfway reports the error, keeps the old session and leaves no temporary file', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000, { n: 1 }))
    vi.spyOn(fs, 'writeFile').mockImplementation(((
      file: fs.PathOrFileDescriptor,
      _data: unknown,
      _opts: unknown,
      cb: (err: Error) => void
    ) => {
      fs.writeFileSync(file, '{"cookie": {"orig')
      cb(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))
    }) as typeof fs.writeFile)
    const err = await errorOf((cb) => store.set('abc', storedSession(60_000, { n: 2 }), cb))
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC')
    vi.restoreAllMocks()
    expect(await storeGet(store, 'abc')).toMatchObject({ n: 1 })
    expect(fs.readdirSync(store.dir)).toEqual(['abc.json'])
  })

  describe('unsafe ids', () => {
    const unsafe = [
      '../escape',
      '../../etc/passwd',
      'a/b',
      'a\\b',
      '.hidden',
      '..',
      '.',
      '',
      'x'.repeat(201),
      'nul\u0000byte',
      'new\nline',
      '/abs'
    ]

    it.each(unsafe)('refuses %j for get, set, destroy and touch without touching the disk', async (sid) => {
      const store = fileStore()
      const before = fs.readdirSync(dir).sort()
      const errors = await Promise.all([
        errorOf((cb) => store.get(sid, cb)),
        errorOf((cb) => store.set(sid, storedSession(60_000), cb)),
        errorOf((cb) => store.destroy(sid, cb)),
        errorOf((cb) => store.touch(sid, storedSession(60_000), cb))
      ])
      expect(errors.map((err) => (err as { code?: string }).code)).toEqual([
        'EUNSAFESID',
        'EUNSAFESID',
        'EUNSAFESID',
        'EUNSAFESID'
      ])
      expect(fs.readdirSync(dir).sort()).toEqual(before)
      expect(fs.readdirSync(store.dir)).toEqual([])
    })

    it('set, destroy and touch without a callback do not throw on an unsafe id', () => {
      const store = fileStore()
      expect(() => {
        store.set('../x', storedSession(1))
        store.destroy('../x')
        store.touch('../x', storedSession(1))
      }).not.toThrow()
    })
  })

  it('a corrupt file is reported to the callback as an error, not thrown', async () => {
    const store = fileStore()
    fs.writeFileSync(path.join(store.dir, 'bad.json'), '{"cookie": ')
    const err = await errorOf((cb) => store.get('bad', cb))
    expect((err as Error).message).toMatch(/^corrupt session file bad\.json: /)
  })

  it('an unreadable file is reported to the callback as an error', async () => {
    const store = fileStore()
    fs.mkdirSync(path.join(store.dir, 'dir.json'))
    const err = await errorOf((cb) => store.get('dir', cb))
    expect((err as NodeJS.ErrnoException).code).toBe('EISDIR')
  })

  it('all, length and clear see only session files', async () => {
    const store = fileStore()
    await storeSet(store, 'a', storedSession(60_000, { n: 1 }))
    await storeSet(store, 'b', storedSession(60_000, { n: 2 }))
    await storeSet(store, 'gone', storedSession(-1))
    fs.writeFileSync(path.join(store.dir, 'notes.txt'), 'not a session')
    fs.writeFileSync(path.join(store.dir, '.a.json.1.abc.tmp'), 'half')
    const all = await storeAll(store)
    expect(Object.keys(all).sort()).toEqual(['a', 'b'])
    expect(await storeLength(store)).toBe(2)
    await new Promise((resolve) => store.clear(resolve))
    expect(fs.readdirSync(store.dir).sort()).toEqual(['.a.json.1.abc.tmp', 'notes.txt'])
    expect(await storeLength(store)).toBe(0)
  })

  it('all reports a corrupt file as an error', async () => {
    const store = fileStore()
    await storeSet(store, 'a', storedSession(60_000))
    fs.writeFileSync(path.join(store.dir, 'bad.json'), 'nope')
    await expect(storeAll(store)).rejects.toThrow(/corrupt session file bad\.json/)
  })

  it('all, length, clear and reap report a folder that has gone', async () => {
    const store = fileStore()
    fs.rmSync(store.dir, { recursive: true })
    await expect(storeAll(store)).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(storeLength(store)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await errorOf((cb) => store.clear(cb))).toMatchObject({ code: 'ENOENT' })
    expect(await new Promise((resolve) => store.reap((err) => resolve(err)))).toMatchObject({ code: 'ENOENT' })
  })

  it('clear and reap on an empty folder call back at once', async () => {
    const store = fileStore()
    expect(await errorOf((cb) => store.clear(cb))).toBeUndefined()
    expect(await new Promise((resolve) => store.reap((_e, n) => resolve(n)))).toBe(0)
  })

  it('destroy of a missing session is not an error; touch of one does not create it', async () => {
    const store = fileStore()
    expect(await errorOf((cb) => store.destroy('nobody', cb))).toBeUndefined()
    expect(await errorOf((cb) => store.touch('nobody', storedSession(1000), cb))).toBeUndefined()
    expect(fs.readdirSync(store.dir)).toEqual([])
  })

  it('touch replaces the cookie and keeps the data', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(1000, { user: 'rasmus' }))
    await errorOf((cb) => store.touch('abc', storedSession(90_000), cb))
    expect(await storeGet(store, 'abc')).toMatchObject({ user: 'rasmus', cookie: { originalMaxAge: 90_000 } })
  })

  describe.each(implementations)("under $name's middleware", ({ session }) => {
    it('keeps a visit count across requests and across a new store on the same folder', async () => {
      const respond = (req: { session: unknown }, res: { end: (s: string) => void }) => {
        const sess = req.session as { views?: number }
        sess.views = (sess.views ?? 0) + 1
        res.end(String(sess.views))
      }
      const first = await sessionApp(session, { store: fileStore() as Store, resave: false }, { respond })
      const res = await first.client.get('/').expect(200, '1')
      await first.client.get('/').set('Cookie', cookieHeader(res)).expect(200, '2')
      const restarted = await sessionApp(session, { store: fileStore() as Store, resave: false }, { respond })
      await restarted.client.get('/').set('Cookie', cookieHeader(res)).expect(200, '3')
    })
  })
})
