/**
 * Chapter 10 — the FileStore on its own: sessions as files that survive a
 * restart, a store that refuses unsafe ids and never tears a file, and the
 * store under both implementations' middleware.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Request, Response } from 'express'
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import type { SessionData } from '../src/index.js'
import { isExpired } from '../src/stores/expiry.js'
import { FileStore, type CorruptFileReport } from '../src/stores/file-store.js'
import { countVisits, data, sessionApp } from './support/apps.js'
import { failOnEscape } from './support/escapes.js'
import { cookieHeader, sessionId } from './support/cookies.js'
import { implementations } from './support/implementations.js'
import { errorOf, storeAll, storedSession, storeGet, storeLength, storeSet, viaCallback } from './support/stores.js'

const root = fileURLToPath(new URL('..', import.meta.url))
let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-store-'))
})
afterEach(() => {
  vi.restoreAllMocks()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** A FileStore in the test's folder without a sweeping timer. */
function fileStore(sub = 'sessions'): FileStore {
  return new FileStore({ dir: path.join(dir, sub), reapInterval: 0 })
}

/** `store.reap` as a promise of how many expired sessions it removed. */
async function reap(store: FileStore): Promise<number | undefined> {
  return viaCallback<number>((cb) => store.reap(cb))
}

/** Save a session and return the path of the one session file in the store's folder. */
async function savedFile(store: FileStore, sid: string, sess: SessionData): Promise<string> {
  await storeSet(store, sid, sess)
  const names = fs.readdirSync(store.dir).filter((name) => name.endsWith('.json'))
  expect(names).toHaveLength(1)
  return path.join(store.dir, names[0])
}

/** A step another process takes on a session file; `aside` is where the store has just moved it. */
type Step = (done: () => void, aside: string) => void

/**
 * Let `before` run just before a store moves `file` aside to judge it, and
 * `after` just after: the two moments another process can change it. The
 * returned function says whether they ran.
 */
function aroundTheTake(file: string, { before, after }: { before?: Step; after?: Step }): () => boolean {
  let ran = false
  const rename = fs.rename
  vi.spyOn(fs, 'rename').mockImplementation((from: fs.PathLike, to: fs.PathLike, cb: fs.NoParamCallback) => {
    if (ran || String(from) !== file) return rename(from, to, cb)
    ran = true
    const moved = (err: NodeJS.ErrnoException | null) => (after ? after(() => cb(err), String(to)) : cb(err))
    const take = () => rename(from, to, moved)
    if (before) before(take, String(to))
    else take()
  })
  return () => ran
}

describe('FileStore', () => {
  it('creates its folder, however deep', () => {
    const store = new FileStore({ dir: path.join(dir, 'a', 'b', 'c'), reapInterval: 0 })
    expect(fs.statSync(store.dir).isDirectory()).toBe(true)
  })

  it('refuses to start without a folder', () => {
    expect(() => new FileStore({} as never)).toThrow('FileStore needs a dir option')
  })

  it('keeps each session as readable JSON in <capitals>~<id>.json', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000, { user: 'rasmus' }))
    await storeSet(store, 'aBc', storedSession(60_000, { user: 'rasmus' }))
    expect(fs.readdirSync(store.dir).sort()).toEqual(['0~abc.json', '2~aBc.json'])
    const text = fs.readFileSync(path.join(store.dir, '0~abc.json'), 'utf8')
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

  it('the reaper removes expired files, sets aside unparseable ones and leaves live ones', async () => {
    const store = fileStore()
    await storeSet(store, 'live', storedSession(60_000))
    await storeSet(store, 'dead1', storedSession(-1))
    await storeSet(store, 'dead2', storedSession(-1000))
    fs.writeFileSync(path.join(store.dir, '0~broken.json'), '{ not json')
    fs.mkdirSync(path.join(store.dir, '0~folder.json'))
    expect(await reap(store)).toBe(2)
    expect(fs.readdirSync(store.dir).sort()).toEqual(['0~broken.json.corrupt', '0~folder.json', '0~live.json'])
  })

  it('the reaper runs on its interval', () => {
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
    const seenAtRename: string[] = []
    const rename = fs.rename
    vi.spyOn(fs, 'rename').mockImplementation((from: fs.PathLike, to: fs.PathLike, cb: fs.NoParamCallback) => {
      seenAtRename.push(path.basename(String(from)), path.basename(String(to)))
      seenAtRename.push(
        fs.readFileSync(path.join(store.dir, '0~abc.json'), 'utf8').includes('"n": 1') ? 'old intact' : 'old torn'
      )
      seenAtRename.push(
        (JSON.parse(fs.readFileSync(from, 'utf8')) as { n: number }).n === 2 ? 'new complete' : 'new partial'
      )
      rename(from, to, cb)
    })
    await storeSet(store, 'abc', storedSession(60_000, { n: 2 }))
    expect(seenAtRename).toEqual([
      expect.stringMatching(/^\.0~abc\.json\.\d+\.[0-9a-f]{12}\.tmp$/),
      '0~abc.json',
      'old intact',
      'new complete'
    ])
    expect(await storeGet(store, 'abc')).toMatchObject({ n: 2 })
    expect(fs.readdirSync(store.dir)).toEqual(['0~abc.json'])
  })

  it('a failed rename reports the error, keeps the old session and leaves no temporary file', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000, { n: 1 }))
    vi.spyOn(fs, 'rename').mockImplementation((_from: fs.PathLike, _to: fs.PathLike, cb: (err: Error) => void) => {
      cb(Object.assign(new Error('disk full'), { code: 'ENOSPC' }))
    })
    const err = await errorOf((cb) => store.set('abc', storedSession(60_000, { n: 2 }), cb))
    expect((err as Error).message).toBe('disk full')
    vi.restoreAllMocks()
    expect(await storeGet(store, 'abc')).toMatchObject({ n: 1 })
    expect(fs.readdirSync(store.dir)).toEqual(['0~abc.json'])
  })

  it('a write that fails halfway reports the error, keeps the old session and leaves no temporary file', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000, { n: 1 }))
    vi.spyOn(fs, 'writeFile').mockImplementation(((fd: number, _data: unknown, cb: (err: Error) => void) => {
      fs.writeSync(fd, '{"cookie": {"orig')
      cb(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }))
    }) as typeof fs.writeFile)
    const err = await errorOf((cb) => store.set('abc', storedSession(60_000, { n: 2 }), cb))
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC')
    vi.restoreAllMocks()
    expect(await storeGet(store, 'abc')).toMatchObject({ n: 1 })
    expect(fs.readdirSync(store.dir)).toEqual(['0~abc.json'])
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

  it('an unreadable file is reported to the callback as an error', async () => {
    const store = fileStore()
    fs.mkdirSync(path.join(store.dir, '0~dir.json'))
    const err = await errorOf((cb) => store.get('dir', cb))
    expect((err as NodeJS.ErrnoException).code).toBe('EISDIR')
  })

  it('all, length and clear see only session files; clear removes temporary files too', async () => {
    const store = fileStore()
    await storeSet(store, 'a', storedSession(60_000, { n: 1 }))
    await storeSet(store, 'b', storedSession(60_000, { n: 2 }))
    await storeSet(store, 'gone', storedSession(-1))
    fs.writeFileSync(path.join(store.dir, 'notes.txt'), 'not a session')
    fs.writeFileSync(path.join(store.dir, '0~x.json.corrupt'), 'set aside earlier')
    fs.writeFileSync(path.join(store.dir, '.0~a.json.1.abc.tmp'), 'half')
    const all = await storeAll(store)
    expect(Object.keys(all).sort()).toEqual(['a', 'b'])
    expect(await storeLength(store)).toBe(2)
    await new Promise((resolve) => store.clear(resolve))
    expect(fs.readdirSync(store.dir).sort()).toEqual(['0~x.json.corrupt', 'notes.txt'])
    expect(await storeLength(store)).toBe(0)
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

  describe.each(implementations)("under $name's middleware", ({ session }) => {
    it('keeps a visit count across requests and across a new store on the same folder', async () => {
      const first = await sessionApp(session, { store: fileStore(), resave: false }, { respond: countVisits })
      const res = await first.client.get('/').expect(200, '1')
      await first.client.get('/').set('Cookie', cookieHeader(res)).expect(200, '2')
      const restarted = await sessionApp(session, { store: fileStore(), resave: false }, { respond: countVisits })
      await restarted.client.get('/').set('Cookie', cookieHeader(res)).expect(200, '3')
    })
  })
})

describe('touch never writes session data', () => {
  it("touch moves the file's modification time to the new expiry and leaves its bytes as they were", async () => {
    const store = fileStore()
    const file = await savedFile(store, 'abc', storedSession(1000, { user: 'rasmus' }))
    const before = fs.readFileSync(file, 'utf8')
    const touched = storedSession(90_000)
    await errorOf((cb) => store.touch('abc', touched, cb))
    expect(fs.readFileSync(file, 'utf8')).toBe(before)
    const expires = touched.cookie.expires as Date
    expect(fs.statSync(file).mtimeMs).toBeCloseTo(expires.getTime(), 0)
    expect(await storeGet(store, 'abc')).toMatchObject({ user: 'rasmus', cookie: { expires: expires.toISOString() } })
  })

  it('a file whose modification time is later than the expiry written in it lives until that time: it is where touch keeps the expiry', async () => {
    const store = fileStore()
    const file = await savedFile(store, 'abc', storedSession(-60_000, { user: 'rasmus' }))
    const later = new Date(Date.now() + 60_000)
    fs.utimesSync(file, later, later)
    expect(await storeGet(store, 'abc')).toMatchObject({ user: 'rasmus', cookie: { expires: later.toISOString() } })
    const earlier = new Date(Date.now() - 1000)
    fs.utimesSync(file, earlier, earlier)
    expect(await storeGet(store, 'abc')).toBeUndefined()
  })

  it('a touch without an expiry has nothing to move and leaves the file alone', async () => {
    const store = fileStore()
    const file = await savedFile(store, 'abc', storedSession(60_000))
    const before = fs.statSync(file).mtimeMs
    expect(await errorOf((cb) => store.touch('abc', storedSession(null), cb))).toBeUndefined()
    expect(fs.statSync(file).mtimeMs).toBe(before)
  })

  it('a save and a touch of the same session at the same moment, 300 times: the save is never undone', async () => {
    const store = fileStore()
    await storeSet(store, 'race', storedSession(60_000, { n: 0 }))
    const lost: number[] = []
    for (let round = 1; round <= 300; round++) {
      // the touch carries what a read-only request loaded: the session before this round's save
      await Promise.all([
        errorOf((cb) => store.touch('race', storedSession(60_000, { n: round - 1 }), cb)),
        storeSet(store, 'race', storedSession(60_000, { n: round }))
      ])
      const now = (await storeGet(store, 'race')) as unknown as { n: number }
      if (now.n !== round) lost.push(round)
    }
    expect(lost).toEqual([])
  })

  describe.each(implementations)("under $name's middleware", ({ session }) => {
    it('a visit and a read-only request of one session at the same moment, 200 times: no visit is lost', async () => {
      const store = fileStore()
      const respond = (req: Request, res: Response) => {
        if (req.path === '/visit') {
          data(req).views = (data(req).views ?? 0) + 1
        }
        res.end()
      }
      const app = await sessionApp(session, { store: store, resave: false }, { respond })
      const agent = new http.Agent({ keepAlive: true })
      onTestFinished(() => agent.destroy())
      const first = await app.client.get('/visit')
      const [cookie, sid] = [cookieHeader(first), sessionId(first)]
      const lost: number[] = []
      for (let round = 2; round <= 201; round++) {
        await Promise.all([get(app.url + '/visit', cookie, agent), get(app.url + '/read', cookie, agent)])
        const stored = (await storeGet(store, sid)) as unknown as { views: number }
        if (stored.views !== round) lost.push(round)
      }
      expect(lost).toEqual([])
    }, 30_000)
  })
})

describe('power cuts (ours only)', () => {
  it('a write is flushed to the disk before the rename, and the folder after it', async () => {
    const store = fileStore()
    const steps: string[] = []
    const opened = new Map<number, string>()
    const describeFile = (name: string) =>
      name.endsWith('.tmp') ? 'the temporary file' : name === 'sessions' ? 'the folder' : 'the session file'
    const open = fs.open
    vi.spyOn(fs, 'open').mockImplementation((file: fs.PathLike, ...rest: unknown[]) => {
      const cb = rest.pop() as (err: NodeJS.ErrnoException | null, fd: number) => void
      ;(open as (...args: unknown[]) => void)(file, ...rest, (err: NodeJS.ErrnoException | null, fd: number) => {
        if (!err) opened.set(fd, describeFile(path.basename(String(file))))
        cb(err, fd)
      })
    })
    const fsync = fs.fsync
    vi.spyOn(fs, 'fsync').mockImplementation((fd: number, cb: fs.NoParamCallback) => {
      steps.push(`flush ${opened.get(fd)}`)
      fsync(fd, cb)
    })
    const rename = fs.rename
    vi.spyOn(fs, 'rename').mockImplementation((from: fs.PathLike, to: fs.PathLike, cb: fs.NoParamCallback) => {
      steps.push(`rename ${describeFile(path.basename(String(from)))} to ${describeFile(path.basename(String(to)))}`)
      rename(from, to, cb)
    })
    await storeSet(store, 'abc', storedSession(60_000))
    expect(steps).toEqual([
      'flush the temporary file',
      'rename the temporary file to the session file',
      'flush the folder'
    ])
  })

  it('a flush that fails reports the error, keeps the old session and leaves no temporary file', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000, { n: 1 }))
    vi.spyOn(fs, 'fsync').mockImplementation((_fd: number, cb: fs.NoParamCallback) => {
      cb(Object.assign(new Error('input/output error'), { code: 'EIO' }))
    })
    const err = await errorOf((cb) => store.set('abc', storedSession(60_000, { n: 2 }), cb))
    expect((err as NodeJS.ErrnoException).code).toBe('EIO')
    vi.restoreAllMocks()
    expect(await storeGet(store, 'abc')).toMatchObject({ n: 1 })
    expect(fs.readdirSync(store.dir)).toEqual(['0~abc.json'])
  })

  it('destroy flushes the folder after the deletion, so a power cut cannot bring a logged-out session back', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000))
    const steps: string[] = []
    const unlink = fs.unlink
    vi.spyOn(fs, 'unlink').mockImplementation((file: fs.PathLike, cb: fs.NoParamCallback) => {
      steps.push('delete')
      unlink(file, cb)
    })
    const fsync = fs.fsync
    vi.spyOn(fs, 'fsync').mockImplementation((fd: number, cb: fs.NoParamCallback) => {
      steps.push('flush')
      fsync(fd, cb)
    })
    await errorOf((cb) => store.destroy('abc', cb))
    expect(steps).toEqual(['delete', 'flush'])
  })

  it.each([
    ['empty', ''],
    ['cut short', '{"cookie": {"originalMax'],
    ['null', 'null'],
    ['an array', '[1, 2]']
  ])(
    'a session file that is %s reads as no session, is set aside as <file>.corrupt and reported',
    async (_what, text) => {
      const store = fileStore()
      const reports: CorruptFileReport[] = []
      store.on('corrupt', (report: CorruptFileReport) => reports.push(report))
      const file = await savedFile(store, 'abc', storedSession(60_000))
      fs.writeFileSync(file, text)
      expect(await errorOf((cb) => store.get('abc', cb))).toBeNull()
      expect(await storeGet(store, 'abc')).toBeUndefined()
      expect(fs.readdirSync(store.dir)).toEqual([path.basename(file) + '.corrupt'])
      expect(fs.readFileSync(file + '.corrupt', 'utf8')).toBe(text)
      expect(reports).toEqual([{ file, movedTo: file + '.corrupt', reason: expect.any(String) as unknown }])
    }
  )

  it('all and length skip an unparseable file and report it, and still list every other session', async () => {
    const store = fileStore()
    const reports: CorruptFileReport[] = []
    store.on('corrupt', (report: CorruptFileReport) => reports.push(report))
    const file = await savedFile(store, 'broken', storedSession(60_000))
    fs.writeFileSync(file, '')
    await storeSet(store, 'a', storedSession(60_000, { n: 1 }))
    await storeSet(store, 'b', storedSession(60_000, { n: 2 }))
    expect(Object.keys(await storeAll(store)).sort()).toEqual(['a', 'b'])
    expect(await storeLength(store)).toBe(2)
    expect(reports.map((report) => report.file)).toEqual([file])
  })
})

describe('expiry racing a save (ours only)', () => {
  /**
   * Let another store on the same folder save `sid` afresh at the moment
   * `store` first renames or deletes that session's file — the overlap a
   * second process can cause — and say whether it happened.
   */
  function saveWhenTheFileIsRemoved(file: string, sid: string): { planted: () => boolean } {
    const other = fileStore()
    let planted = false
    for (const method of ['unlink', 'rename'] as const) {
      const real = fs[method] as (...args: unknown[]) => void
      vi.spyOn(fs, method).mockImplementation((target: fs.PathLike, ...rest: unknown[]) => {
        if (planted || String(target) !== file) return real(target, ...rest)
        planted = true
        other.set(sid, storedSession(60_000, { n: 2 }), () => real(target, ...rest))
      })
    }
    return { planted: () => planted }
  }

  it.each(['get', 'reap'])(
    "a save that lands between %s's read of an expired file and its removal survives",
    async (method) => {
      const store = fileStore()
      const file = await savedFile(store, 'race', storedSession(-1, { n: 1 }))
      const overlap = saveWhenTheFileIsRemoved(file, 'race')
      if (method === 'get') expect(await storeGet(store, 'race')).toBeUndefined()
      else await reap(store)
      vi.restoreAllMocks()
      expect(overlap.planted()).toBe(true)
      expect(await storeGet(fileStore(), 'race')).toMatchObject({ n: 2 })
    }
  )

  it('where hard links are not supported, a save taken aside by mistake is put back by a rename', async () => {
    const store = fileStore()
    const file = await savedFile(store, 'race', storedSession(-1, { n: 1 }))
    const overlap = saveWhenTheFileIsRemoved(file, 'race')
    vi.spyOn(fs, 'link').mockImplementation((_from: fs.PathLike, _to: fs.PathLike, cb: fs.NoParamCallback) => {
      cb(Object.assign(new Error('operation not permitted'), { code: 'EPERM' }))
    })
    expect(await storeGet(store, 'race')).toBeUndefined()
    vi.restoreAllMocks()
    expect(overlap.planted()).toBe(true)
    expect(await storeGet(store, 'race')).toMatchObject({ n: 2 })
    expect(fs.readdirSync(store.dir)).toEqual([path.basename(file)])
  })

  it('a save that lands while the expired file is taken aside survives too', async () => {
    const store = fileStore()
    const file = await savedFile(store, 'race', storedSession(-1, { n: 1 }))
    const other = fileStore()
    const ran = aroundTheTake(file, { after: (done) => other.set('race', storedSession(60_000, { n: 2 }), done) })
    expect(await storeGet(store, 'race')).toBeUndefined()
    vi.restoreAllMocks()
    expect(ran()).toBe(true)
    expect(await storeGet(store, 'race')).toMatchObject({ n: 2 })
    expect(fs.readdirSync(store.dir)).toEqual([path.basename(file)])
  })

  it('a session file that is set aside is only moved if it is still the corrupt one', async () => {
    const store = fileStore()
    const file = await savedFile(store, 'race', storedSession(60_000, { n: 1 }))
    fs.writeFileSync(file, '')
    const overlap = saveWhenTheFileIsRemoved(file, 'race')
    expect(await storeGet(store, 'race')).toBeUndefined()
    vi.restoreAllMocks()
    expect(overlap.planted()).toBe(true)
    expect(await storeGet(store, 'race')).toMatchObject({ n: 2 })
    expect(fs.readdirSync(store.dir)).toEqual([path.basename(file)])
  })
})

describe('leftover temporary files (ours only)', () => {
  it('the reaper removes temporary files older than an hour, which only a crash leaves, and keeps newer ones', async () => {
    const store = fileStore()
    const old = path.join(store.dir, '.0~abc.json.123.aaaaaaaaaaaa.tmp')
    const recent = path.join(store.dir, '.0~abc.json.123.bbbbbbbbbbbb.tmp')
    fs.writeFileSync(old, '{"cookie"')
    fs.writeFileSync(recent, '{"cookie"')
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000)
    fs.utimesSync(old, twoHoursAgo, twoHoursAgo)
    expect(await reap(store)).toBe(0)
    expect(fs.readdirSync(store.dir)).toEqual([path.basename(recent)])
  })

  it('clear removes every temporary file, however new', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000))
    fs.writeFileSync(path.join(store.dir, '.0~abc.json.123.aaaaaaaaaaaa.tmp'), '{"cookie"')
    await errorOf((cb) => store.clear(cb))
    expect(fs.readdirSync(store.dir)).toEqual([])
  })
})

describe('a folder that disappears (ours only)', () => {
  it('a folder deleted under a running store is made again by the next write', async () => {
    const store = fileStore()
    fs.rmSync(store.dir, { recursive: true })
    await storeSet(store, 'abc', storedSession(60_000, { user: 'rasmus' }))
    expect(await storeGet(store, 'abc')).toMatchObject({ user: 'rasmus' })
  })

  it('a file where the folder was is reported by the write, not overwritten', async () => {
    const store = fileStore()
    fs.rmSync(store.dir, { recursive: true })
    fs.writeFileSync(store.dir, 'a file where the folder was')
    const err = await errorOf((cb) => store.set('abc', storedSession(60_000), cb))
    expect((err as NodeJS.ErrnoException).code).toBe('ENOTDIR')
    expect(fs.readFileSync(store.dir, 'utf8')).toBe('a file where the folder was')
  })

  it('until then it reads as an empty store: all, length, clear and reap find nothing', async () => {
    const store = fileStore()
    fs.rmSync(store.dir, { recursive: true })
    expect(await storeAll(store)).toEqual({})
    expect(await storeLength(store)).toBe(0)
    expect(await errorOf((cb) => store.clear(cb))).toBeUndefined()
    expect(await reap(store)).toBe(0)
  })
})

describe('file names on every file system (ours only)', () => {
  it('ids that differ only in case get file names that differ in more than case', async () => {
    const store = fileStore()
    const ids = ['abc', 'ABC', 'aBc', 'Abc']
    for (const sid of ids) await storeSet(store, sid, storedSession(60_000, { owner: sid }))
    const names = fs.readdirSync(store.dir)
    expect(new Set(names.map((name) => name.toLowerCase())).size).toBe(ids.length)
    for (const sid of ids) expect(await storeGet(store, sid)).toMatchObject({ owner: sid })
  })

  it('a Windows device name (CON, NUL, COM1, LPT9, aux.txt …) as an id never becomes a device name as a file name', async () => {
    const store = fileStore()
    const ids = ['CON', 'nul', 'com1', 'LPT9', 'aux.txt', 'Prn']
    for (const sid of ids) await storeSet(store, sid, storedSession(60_000, { owner: sid }))
    for (const name of fs.readdirSync(store.dir)) expect(name).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i)
    for (const sid of ids) expect(await storeGet(store, sid)).toMatchObject({ owner: sid })
  })

  it('a file named the old way (<id>.json) is not read as a session; the reaper removes it once expired, clear at once', async () => {
    const store = fileStore()
    const json = (ms: number) => JSON.stringify(storedSession(ms, { user: 'rasmus' }))
    fs.writeFileSync(path.join(store.dir, 'abc.json'), json(60_000))
    fs.writeFileSync(path.join(store.dir, 'old.json'), json(-1000))
    expect(await storeGet(store, 'abc')).toBeUndefined()
    expect(await storeAll(store)).toEqual({})
    expect(await reap(store)).toBe(1)
    expect(fs.readdirSync(store.dir)).toEqual(['abc.json'])
    await errorOf((cb) => store.clear(cb))
    expect(fs.readdirSync(store.dir)).toEqual([])
  })
})

/** GET `url` with a cookie through a keep-alive agent; resolves when the response has ended. */
function get(url: string, cookie: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { cookie } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      .on('error', reject)
  })
}

describe('what the reaper cannot know', () => {
  it('a session whose cookie has no expiry is never reaped, however old its file', async () => {
    const store = fileStore()
    const file = await savedFile(store, 'no-max-age', storedSession(null, { user: 'rasmus' }))
    const tenYearsAgo = new Date(Date.now() - 10 * 365 * 24 * 60 * 60 * 1000)
    fs.utimesSync(file, tenYearsAgo, tenYearsAgo)
    expect(await reap(store)).toBe(0)
    expect(await storeGet(store, 'no-max-age')).toMatchObject({ user: 'rasmus' })
  })

  it("any <name>.json in the store's folder is taken for a session file named the old way: clear deletes package.json", async () => {
    const store = fileStore()
    fs.writeFileSync(path.join(store.dir, 'package.json'), '{ "name": "not a session" }\n')
    fs.writeFileSync(path.join(store.dir, 'list.json'), '[1, 2, 3]\n')
    fs.writeFileSync(path.join(store.dir, 'notes.txt'), 'not a session either\n')
    const reported: string[] = []
    store.on('corrupt', (report: CorruptFileReport) => reported.push(path.basename(report.file)))
    expect(await reap(store)).toBe(0)
    expect(reported).toEqual(['list.json'])
    await errorOf((cb) => store.clear(cb))
    expect(fs.readdirSync(store.dir).sort()).toEqual(['list.json.corrupt', 'notes.txt'])
  })
})

describe('data that JSON cannot hold', () => {
  it("set throws at once, as MemoryStore's does, on data that JSON cannot hold", () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    const store = fileStore()
    const callback = vi.fn()
    for (const [name, extra] of [
      ['a BigInt', { n: 1n }],
      ['a cycle', { cycle }]
    ] as const) {
      expect(() => store.set('abc', storedSession(60_000, extra), callback), name).toThrow(TypeError)
      for (const { session } of implementations) {
        const memory = new session.MemoryStore()
        expect(() => memory.set('abc', storedSession(60_000, extra), callback), `${name}, MemoryStore`).toThrow(
          TypeError
        )
      }
    }
    expect(callback).not.toHaveBeenCalled()
    expect(fs.readdirSync(store.dir)).toEqual([])
  })
})

describe('FileStore: refusals, the file itself, and what reap leaves (ours only)', () => {
  it('an empty folder name is refused like a missing one', () => {
    expect(() => new FileStore({ dir: '' })).toThrow(
      new TypeError('FileStore needs a dir option: the folder to keep sessions in')
    )
  })

  it('an unsafe id is refused with an UnsafeSessionIdError that quotes its first 64 characters', async () => {
    const sid = '../' + 'x'.repeat(100)
    const err = (await errorOf((cb) => fileStore().get(sid, cb))) as Error & { code?: string }
    expect({ name: err.name, code: err.code, message: err.message }).toEqual({
      name: 'UnsafeSessionIdError',
      code: 'EUNSAFESID',
      message: `unsafe session id refused by FileStore: ${JSON.stringify(sid.slice(0, 64))}`
    })
  })

  it('an id that is not a string is refused, even when its text would be a safe name', async () => {
    const err = await errorOf((cb) => fileStore().get(123 as unknown as string, cb))
    expect((err as Error).name).toBe('UnsafeSessionIdError')
  })

  it('a session file ends with a line break, as a text file should', async () => {
    const file = await savedFile(fileStore(), 'abc', storedSession(60_000))
    expect(fs.readFileSync(file, 'utf8').endsWith('}\n')).toBe(true)
  })

  it('reap removes temporary files older than an hour, keeps younger ones, and leaves other names alone', async () => {
    const store = fileStore()
    const hoursAgo = (h: number) => new Date(Date.now() - h * 60 * 60 * 1000)
    const files = { '.a.json.1.tmp': 1.1, '.b.json.2.tmp': 0.9, '.hidden': 2, 'plain.tmp': 2 }
    for (const [name, age] of Object.entries(files)) {
      fs.writeFileSync(path.join(store.dir, name), 'x')
      fs.utimesSync(path.join(store.dir, name), hoursAgo(age), hoursAgo(age))
    }
    await reap(store)
    expect(fs.readdirSync(store.dir).sort()).toEqual(['.b.json.2.tmp', '.hidden', 'plain.tmp'])
  })

  it('a session whose expiry is this very millisecond is expired (FileStore and RedisStore share the rule)', () => {
    const now = Date.now()
    expect([
      isExpired({ cookie: { expires: new Date(now) } }, now),
      isExpired({ cookie: { expires: new Date(now + 1) } }, now)
    ]).toEqual([true, false])
  })
})

describe('FileStore: an expired file changed while it is taken, capital letters, stale temporary files (ours only)', () => {
  it('a save in the same second as the read, where the file system keeps whole seconds, is told apart by its text and survives', async () => {
    const store = fileStore()
    const file = await savedFile(store, 'race', storedSession(-60_000, { n: 1 }))
    // a whole second before the expiry, so the modification time does not move it
    const second = Math.floor((Date.now() - 120_000) / 1000)
    fs.utimesSync(file, second, second)
    const ran = aroundTheTake(file, {
      before: (done) => {
        fs.writeFileSync(file, JSON.stringify(storedSession(60_000, { n: 2 })))
        fs.utimesSync(file, second, second)
        done()
      }
    })
    expect(await storeGet(store, 'race')).toBeUndefined()
    vi.restoreAllMocks()
    expect(ran()).toBe(true)
    expect(await storeGet(store, 'race')).toMatchObject({ n: 2 })
  })

  it('a touch between the read and the removal moves the expiry on, and the session survives', async () => {
    const store = fileStore()
    const file = await savedFile(store, 'race', storedSession(-60_000, { n: 1 }))
    const ran = aroundTheTake(file, { before: (done) => fileStore().touch('race', storedSession(60_000), done) })
    expect(await storeGet(store, 'race')).toBeUndefined()
    vi.restoreAllMocks()
    expect(ran()).toBe(true)
    expect(await storeGet(store, 'race')).toMatchObject({ n: 1 })
  })

  it("a taken file that another store's clear removes at once reads as no session, and nothing is thrown", async () => {
    const store = fileStore()
    const file = await savedFile(store, 'race', storedSession(-60_000, { n: 1 }))
    const ran = aroundTheTake(file, {
      after: (done, aside) => {
        fs.unlinkSync(aside)
        done()
      }
    })
    expect(await failOnEscape(() => storeGet(store, 'race'))).toBeUndefined()
    expect(ran()).toBe(true)
    expect(fs.readdirSync(store.dir)).toEqual([])
  })

  it('a file taken by mistake is not put back over a newer save that took its place meanwhile', async () => {
    const store = fileStore()
    const other = fileStore()
    const file = await savedFile(store, 'race', storedSession(-60_000, { n: 1 }))
    const ran = aroundTheTake(file, {
      before: (done) => other.set('race', storedSession(60_000, { n: 2 }), done),
      after: (done) => other.set('race', storedSession(60_000, { n: 3 }), done)
    })
    expect(await storeGet(store, 'race')).toBeUndefined()
    vi.restoreAllMocks()
    expect(ran()).toBe(true)
    expect(await storeGet(store, 'race')).toMatchObject({ n: 3 })
    expect(fs.readdirSync(store.dir)).toEqual([path.basename(file)])
  })

  it('the capitals A and Z themselves are marked in a file name', async () => {
    const store = fileStore()
    for (const sid of ['A', 'Z', 'aZ', 'za']) await storeSet(store, sid, storedSession(60_000))
    expect(fs.readdirSync(store.dir).sort()).toEqual(['0~za.json', '1~A.json', '1~Z.json', '2~aZ.json'])
  })

  it('reap removes a temporary file exactly an hour old, and keeps one a millisecond younger', async () => {
    const store = fileStore()
    const now = Math.floor(Date.now() / 1000) * 1000
    vi.spyOn(Date, 'now').mockReturnValue(now)
    const anHourAgo = (now - 60 * 60 * 1000) / 1000
    for (const [name, seconds] of [
      ['.a.json.1.tmp', anHourAgo],
      ['.b.json.2.tmp', anHourAgo + 0.001]
    ] as const) {
      fs.writeFileSync(path.join(store.dir, name), 'x')
      fs.utimesSync(path.join(store.dir, name), seconds, seconds)
    }
    await reap(store)
    expect(fs.readdirSync(store.dir)).toEqual(['.b.json.2.tmp'])
  })

  it('an expiry is handed back as it was written unless a touch moved it later: the same instant is not written again', async () => {
    const store = fileStore()
    // a date spelled without milliseconds, as another program might have stored it
    const sess = { cookie: { originalMaxAge: null, expires: '2030-01-01T00:00:00Z' } } as unknown as SessionData
    await storeSet(store, 'abc', sess)
    await viaCallback((cb) => store.touch('abc', sess, cb))
    expect((await storeGet(store, 'abc'))?.cookie.expires).toBe('2030-01-01T00:00:00Z')
  })
})
