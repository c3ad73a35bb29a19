/**
 * Chapter 10 — the FileStore when the file system says no: each call that
 * can fail is made to fail (by replacing one `fs` function for one test, so
 * the tests hold when run as root, where permissions stop nothing), and the
 * store reports the error, or carries on where the chapter says it does.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import createDebug from 'debug'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FileStore, type CorruptFileReport } from '../src/stores/file-store.js'
import { nextTurn } from './support/apps.js'
import { afterCallbackOf, failOnEscape } from './support/escapes.js'
import { captureDebug, type DebugModule } from './support/fresh.js'
import { errorOf, storeAll, storedSession, storeGet, storeSet, viaCallback } from './support/stores.js'

let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-store-failures-'))
})
afterEach(() => {
  vi.restoreAllMocks()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** A FileStore in the test's folder without a sweeping timer. */
function fileStore(): FileStore {
  return new FileStore({ dir: path.join(dir, 'sessions'), reapInterval: 0 })
}

/** An error as `fs` reports one, with its code. */
function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: made to fail by the test`), { code })
}

type Failing = 'open' | 'fstat' | 'readFile' | 'mkdir' | 'fsync' | 'rename'

/**
 * Make `fs[method]` call back with `error` whenever `when` holds for its
 * arguments; every other call goes through to the real function.
 */
function failWhen(method: Failing, when: (...args: unknown[]) => boolean, error: NodeJS.ErrnoException): void {
  const real = fs[method] as (...args: unknown[]) => void
  vi.spyOn(fs, method).mockImplementation((...args: unknown[]) => {
    if (!when(...args)) return real(...args)
    const callback = args[args.length - 1] as (err: NodeJS.ErrnoException) => void
    setImmediate(callback, error)
  })
}

/** Whether a file descriptor is a folder's. */
function isFolder(fd: unknown): boolean {
  return typeof fd === 'number' && fs.fstatSync(fd).isDirectory()
}

/** The corrupt-file reports a store emits from now on. */
function reportsOf(store: FileStore): CorruptFileReport[] {
  const reports: CorruptFileReport[] = []
  store.on('corrupt', (report: CorruptFileReport) => reports.push(report))
  return reports
}

describe('reading fails (ours only)', () => {
  it('an open that fails for another reason than a missing file is reported by get', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000))
    failWhen('open', (file) => String(file).endsWith('~abc.json'), fsError('EMFILE'))
    expect(await errorOf((cb) => store.get('abc', cb))).toMatchObject({ code: 'EMFILE' })
  })

  it('an fstat that fails is reported by get, and the file is closed', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000))
    failWhen('fstat', () => true, fsError('EIO'))
    const close = vi.spyOn(fs, 'close')
    expect(await errorOf((cb) => store.get('abc', cb))).toMatchObject({ code: 'EIO' })
    expect(close).toHaveBeenCalledTimes(1)
  })

  it('a read that fails is reported by get, and the file is closed', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000))
    failWhen('readFile', (fd) => typeof fd === 'number', fsError('EIO'))
    const close = vi.spyOn(fs, 'close')
    expect(await errorOf((cb) => store.get('abc', cb))).toMatchObject({ code: 'EIO' })
    expect(close).toHaveBeenCalledTimes(1)
  })

  it('all and length report the first session file that cannot be read', async () => {
    const store = fileStore()
    await storeSet(store, 'live', storedSession(60_000))
    fs.mkdirSync(path.join(store.dir, '0~dir1.json'))
    fs.mkdirSync(path.join(store.dir, '0~dir2.json'))
    await expect(viaCallback((cb) => store.all(cb))).rejects.toMatchObject({ code: 'EISDIR' })
    await expect(viaCallback((cb) => store.length(cb))).rejects.toMatchObject({ code: 'EISDIR' })
  })
})

describe('writing fails (ours only)', () => {
  it('a folder that has gone and cannot be made again: set reports why', async () => {
    const store = fileStore()
    fs.rmSync(store.dir, { recursive: true })
    failWhen('mkdir', () => true, fsError('EACCES'))
    expect(await errorOf((cb) => store.set('abc', storedSession(60_000), cb))).toMatchObject({ code: 'EACCES' })
    expect(fs.existsSync(store.dir)).toBe(false)
  })

  it('a folder flush that fails does not fail the save: the session file itself is on the disk', async () => {
    const store = fileStore()
    failWhen('fsync', isFolder, fsError('EINVAL'))
    expect(await errorOf((cb) => store.set('abc', storedSession(60_000, { n: 1 }), cb))).toBeUndefined()
    vi.restoreAllMocks()
    expect(await storeGet(store, 'abc')).toMatchObject({ n: 1 })
  })

  it('a folder that cannot be opened to be flushed does not fail a destroy', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000))
    failWhen('open', (file) => file === store.dir, fsError('EACCES'))
    expect(await errorOf((cb) => store.destroy('abc', cb))).toBeUndefined()
    expect(fs.readdirSync(store.dir)).toEqual([])
  })

  it('on Windows, where a folder cannot be flushed, the store does not try', async () => {
    const platform = Object.getOwnPropertyDescriptor(process, 'platform') as PropertyDescriptor
    Object.defineProperty(process, 'platform', { ...platform, value: 'win32' })
    try {
      const store = fileStore()
      const open = vi.spyOn(fs, 'open')
      await storeSet(store, 'abc', storedSession(60_000))
      expect(open.mock.calls.map(([file]) => file)).not.toContain(store.dir)
    } finally {
      Object.defineProperty(process, 'platform', platform)
    }
  })
})

describe('setting a corrupt file aside fails (ours only)', () => {
  it('when it cannot be moved out of the way, it is reported as not moved, and reads as no session', async () => {
    const store = fileStore()
    const reports = reportsOf(store)
    const file = path.join(store.dir, '0~abc.json')
    fs.writeFileSync(file, '')
    failWhen('rename', (from) => from === file, fsError('EACCES'))
    expect(await storeGet(store, 'abc')).toBeUndefined()
    expect(reports).toEqual([{ file, movedTo: null, reason: 'Unexpected end of JSON input' }])
    expect(fs.readdirSync(store.dir)).toEqual(['0~abc.json'])
  })

  it('when it cannot be renamed to <file>.corrupt, it is reported as not moved', async () => {
    const store = fileStore()
    const reports = reportsOf(store)
    const file = path.join(store.dir, '0~abc.json')
    fs.writeFileSync(file, '{ not json')
    failWhen('rename', (_from, to) => to === file + '.corrupt', fsError('EXDEV'))
    expect(await storeGet(store, 'abc')).toBeUndefined()
    expect(reports).toMatchObject([{ file, movedTo: null }])
  })

  it('a file that has gone by the time it is moved is neither reported nor an error', async () => {
    const store = fileStore()
    const reports = reportsOf(store)
    const file = path.join(store.dir, '0~abc.json')
    fs.writeFileSync(file, '{ not json')
    failWhen('rename', (from) => from === file, fsError('ENOENT'))
    expect(await errorOf((cb) => store.get('abc', cb))).toBeNull()
    expect(reports).toEqual([])
  })

  it('an expired file that has gone by the time it is taken reads as no session, and reap does not count it', async () => {
    const store = fileStore()
    await storeSet(store, 'old', storedSession(-1000))
    failWhen('rename', (from) => String(from).endsWith('~old.json'), fsError('ENOENT'))
    expect(await viaCallback((cb) => store.get('old', cb))).toBeUndefined()
    expect(await viaCallback<number>((cb) => store.reap(cb))).toBe(0)
  })

  it('an expired file that cannot be taken is reported by get', async () => {
    const store = fileStore()
    await storeSet(store, 'old', storedSession(-1000))
    failWhen('rename', (from) => String(from).endsWith('~old.json'), fsError('EACCES'))
    expect(await errorOf((cb) => store.get('old', cb))).toMatchObject({ code: 'EACCES' })
  })
})

describe('names in the folder that are not the store’s (ours only)', () => {
  it('a .json name without a ~, that is not a safe id, and one whose capitals do not match its id, are left alone', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000))
    for (const name of ['not an id.json', '0~aBc.json', '7~abc.json'])
      fs.writeFileSync(path.join(store.dir, name), '{}')
    expect(Object.keys(await storeAll(store))).toEqual(['abc'])
    await viaCallback((cb) => store.clear(cb))
    expect(fs.readdirSync(store.dir).sort()).toEqual(['0~aBc.json', '7~abc.json', 'not an id.json'])
  })
})

describe('the sweeping timer (ours only)', () => {
  it('sweeps every ten minutes unless told otherwise', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    try {
      const store = new FileStore({ dir: path.join(dir, 'default') })
      const reap = vi.spyOn(store, 'reap').mockImplementation(() => {})
      vi.advanceTimersByTime(10 * 60 * 1000 - 1)
      expect(reap).not.toHaveBeenCalled()
      vi.advanceTimersByTime(1)
      expect(reap).toHaveBeenCalledTimes(1)
      store.close()
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('FileStore: calls without a callback, errors it passes on, and its debug log (ours only)', () => {
  /**
   * A store method called without a callback: the call, what to wait for
   * (its last step), and the folder it leaves, as sorted names.
   */
  type CallWithout = [
    name: string,
    call: (store: FileStore) => void,
    lastStep: () => Promise<void>,
    leaves: (before: string[]) => string[]
  ]

  /** The next close of a folder's descriptor has run its callback: the last step of a write, a destroy or a clear. */
  const folderClosed = () => afterCallbackOf('close', isFolder)
  const unchanged = (before: string[]) => before
  const empty = () => []

  const callsWithout: CallWithout[] = [
    ['set', (store) => store.set('abc', storedSession(60_000, { n: 2 })), folderClosed, unchanged],
    ['destroy', (store) => store.destroy('abc'), folderClosed, empty],
    ['destroy of a missing session', (store) => store.destroy('nobody'), () => afterCallbackOf('unlink'), unchanged],
    ['touch', (store) => store.touch('abc', storedSession(120_000)), () => afterCallbackOf('utimes'), unchanged],
    ['touch without an expiry', (store) => store.touch('abc', storedSession(null)), nextTurn, unchanged],
    ['clear', (store) => store.clear(), folderClosed, empty],
    // the one file reap reads is the live session's, closed last
    ['reap', (store) => store.reap(), () => afterCallbackOf('close'), unchanged]
  ]

  it.each(callsWithout)(
    '%s without a callback finishes, and throws nothing as it does',
    async (_name, call, lastStep, leaves) => {
      const store = fileStore()
      await storeSet(store, 'abc', storedSession(60_000, { n: 1 }))
      const before = fs.readdirSync(store.dir).sort()
      await failOnEscape(async () => {
        const finished = lastStep()
        call(store)
        await finished
      })
      expect(fs.readdirSync(store.dir).sort()).toEqual(leaves(before))
    }
  )

  it('set without a callback writes the session', async () => {
    const store = fileStore()
    const written = folderClosed()
    store.set('abc', storedSession(60_000, { n: 2 }))
    await written
    expect(await storeGet(store, 'abc')).toMatchObject({ n: 2 })
  })

  it('touch without a callback moves the expiry into the modification time', async () => {
    const store = fileStore()
    await storeSet(store, 'abc', storedSession(60_000))
    const touched = storedSession(60 * 60 * 1000)
    const moved = afterCallbackOf('utimes')
    store.touch('abc', touched)
    await moved
    const [name] = fs.readdirSync(store.dir)
    // mtimeMs, made from seconds and nanoseconds, can miss the millisecond by a hair: FileStore rounds it too
    expect(Math.round(fs.statSync(path.join(store.dir, name)).mtimeMs)).toBe((touched.cookie.expires as Date).getTime())
  })

  it('destroy reports an error other than a missing file: a folder where the session file should be', async () => {
    const store = fileStore()
    fs.mkdirSync(path.join(store.dir, '0~dir.json'))
    expect(await errorOf((cb) => store.destroy('dir', cb))).toBeInstanceOf(Error)
    expect(fs.statSync(path.join(store.dir, '0~dir.json')).isDirectory()).toBe(true)
  })

  it('reap calls back with null after a clean sweep, and with the error when the folder cannot be listed', async () => {
    const store = fileStore()
    expect(await errorOf((cb) => store.reap(cb))).toBeNull()
    fs.rmSync(store.dir, { recursive: true })
    fs.writeFileSync(store.dir, 'a file where the folder was')
    expect(await errorOf((cb) => store.reap(cb))).toMatchObject({ code: 'ENOTDIR' })
  })

  it('a folder where a session file should be gives the error reading it by name would: EISDIR, and the path', async () => {
    const store = fileStore()
    const file = path.join(store.dir, '0~dir.json')
    fs.mkdirSync(file)
    const err = (await errorOf((cb) => store.get('dir', cb))) as Error
    expect(err.message).toBe(`EISDIR: illegal operation on a directory, read '${file}'`)
  })

  it.each(['42', '"a string"', 'true'])(
    'a file holding %s, JSON but not an object, is set aside as "not a JSON object" and reads as no session',
    async (text) => {
      const store = fileStore()
      const reports = reportsOf(store)
      const file = path.join(store.dir, '0~abc.json')
      fs.writeFileSync(file, text)
      expect(await storeGet(store, 'abc')).toBeUndefined()
      expect(reports).toEqual([{ file, movedTo: file + '.corrupt', reason: 'not a JSON object' }])
      expect(fs.readFileSync(file + '.corrupt', 'utf8')).toBe(text)
    }
  )

  it('a write makes the whole path to its folder again when more than the last folder has gone', async () => {
    const store = new FileStore({ dir: path.join(dir, 'a', 'b', 'sessions'), reapInterval: 0 })
    fs.rmSync(path.join(dir, 'a'), { recursive: true })
    await storeSet(store, 'abc', storedSession(60_000, { n: 1 }))
    expect(await storeGet(store, 'abc')).toMatchObject({ n: 1 })
  })

  it('a folder that is gone again after being made: the write makes it once, then reports the error', async () => {
    const store = fileStore()
    failWhen('open', (file) => String(file).endsWith('.tmp'), fsError('ENOENT'))
    const mkdir = vi.spyOn(fs, 'mkdir')
    expect(await errorOf((cb) => store.set('abc', storedSession(60_000), cb))).toMatchObject({ code: 'ENOENT' })
    expect(mkdir).toHaveBeenCalledTimes(1)
  })

  describe('the debug log, under DEBUG=express-session:file-store', () => {
    /** A FileStore class loaded afresh with its debug lines collected. */
    async function loggedFileStore(): Promise<{ store: FileStore; lines: string[] }> {
      const lines = captureDebug(createDebug as unknown as DebugModule, 'express-session:file-store')
      vi.resetModules()
      const fresh = await import('../src/stores/file-store.js')
      return { store: new fresh.FileStore({ dir: path.join(dir, 'sessions'), reapInterval: 0 }), lines }
    }

    it('says which file it set aside, why, and where it went', async () => {
      const { store, lines } = await loggedFileStore()
      const file = path.join(store.dir, '0~abc.json')
      fs.writeFileSync(file, '')
      expect(await storeGet(store, 'abc')).toBeUndefined()
      expect(lines).toEqual([
        `express-session:file-store session file ${file} is not a session (Unexpected end of JSON input); moved to ${file}.corrupt`
      ])
    })

    it('says when a folder cannot be opened to be flushed, or cannot be flushed', async () => {
      const { store, lines } = await loggedFileStore()
      fs.rmSync(store.dir, { recursive: true })
      await viaCallback((cb) => store.clear(cb))
      fs.mkdirSync(store.dir)
      failWhen('fsync', isFolder, fsError('EINVAL'))
      await storeSet(store, 'abc', storedSession(60_000))
      expect(lines).toEqual([
        `express-session:file-store cannot open folder ${store.dir} to flush it: ENOENT: no such file or directory, open '${store.dir}'`,
        `express-session:file-store cannot flush folder ${store.dir}: EINVAL: made to fail by the test`
      ])
    })
  })
})
