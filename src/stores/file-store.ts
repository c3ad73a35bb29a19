// #region imports
/**
 * `FileStore`: a session store that keeps each session as one JSON file in
 * a folder, so a reader can `cat` a session. The companion app's store.
 *
 * @module
 */

import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import createDebug from 'debug'
import Store from '../session/store.js'
import type { SessionCallback, SessionData } from '../session/session.js'
import { expiresAt, isExpired } from './expiry.js'

const debug = createDebug('express-session:file-store')
// #endregion imports

// #region options
/** Options for {@link FileStore}. */
export interface FileStoreOptions {
  /** The folder that holds the session files; created if missing, and again if it disappears. */
  dir: string
  /**
   * How often, in milliseconds, to sweep expired session files (and
   * temporary files a crash left behind) away; 10 minutes by default, `0`
   * for never. The timer never keeps the process alive.
   */
  reapInterval?: number
}
// #endregion options

// #region unsafe-id-error
/** The error a {@link FileStore} reports for an id it will not turn into a file name. */
export class UnsafeSessionIdError extends Error {
  /** A code to tell this error apart without parsing its message. */
  readonly code = 'EUNSAFESID'

  /** @param sid - the id that was refused */
  constructor(sid: string) {
    super(`unsafe session id refused by FileStore: ${JSON.stringify(sid.slice(0, 64))}`)
    this.name = 'UnsafeSessionIdError'
  }
}
// #endregion unsafe-id-error

// #region constants
const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/
const SUFFIX = '.json'
const CORRUPT_SUFFIX = '.corrupt'
/** A temporary file this old or older was left by a crash, not by a write still under way. */
const STALE_TEMPORARY_MS = 60 * 60 * 1000
// #endregion constants

// #region file-names
/** One file of this store in its folder. */
type FolderEntry = { name: string; kind: 'session'; sid: string } | { name: string; kind: 'old-style' | 'temporary' }

/**
 * Which letters of an id are capitals, as a number written in base 32
 * whose binary digits mark their places: `abc` → `0`, `aBc` → `2`,
 * `ABC` → `7`.
 */
function capitalsOf(sid: string): string {
  let mask = 0n
  for (let i = 0; i < sid.length; i++) {
    const code = sid.charCodeAt(i)
    if (code >= 65 && code <= 90) mask |= 1n << BigInt(i)
  }
  return mask.toString(32)
}

/** The file name for a session id: `<capitals>~<id>.json`. */
function fileNameOf(sid: string): string {
  return `${capitalsOf(sid)}~${sid}${SUFFIX}`
}

/** A hidden name beside `file`, unique to this process and call, ending in `.tmp`. */
function temporaryName(file: string): string {
  const unique = `${process.pid}.${crypto.randomBytes(6).toString('hex')}`
  return path.join(path.dirname(file), `.${path.basename(file)}.${unique}.tmp`)
}

/**
 * What a name in the folder is to this store: a session file (with its
 * id), a session file named the old way (`<id>.json`, before the capitals
 * were part of the name), a temporary file, or nothing of its own.
 */
function classify(name: string): FolderEntry | undefined {
  if (name.startsWith('.') && name.endsWith('.tmp')) return { name, kind: 'temporary' }
  if (!name.endsWith(SUFFIX)) return undefined
  const base = name.slice(0, -SUFFIX.length)
  const tilde = base.indexOf('~')
  if (tilde === -1) return SAFE_ID.test(base) ? { name, kind: 'old-style' } : undefined
  const sid = base.slice(tilde + 1)
  return SAFE_ID.test(sid) && fileNameOf(sid) === name ? { name, kind: 'session', sid } : undefined
}
// #endregion file-names

// #region class-and-constructor
/**
 * A {@link Store} that writes each session to its own JSON file in `dir`,
 * named `<capitals>~<id>.json` (see chapter 10 for the name).
 *
 * Besides the {@link Store}'s events it emits `'corrupt'`, with a
 * {@link CorruptFileReport}, when it finds a session file that does not
 * parse (a power cut can leave one empty); the file then reads as no
 * session.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import session from 'express-session-annotated'
 * import { FileStore } from 'express-session-annotated/stores/file-store'
 *
 * const app = express()
 * const store = new FileStore({ dir: '.sessions' })
 * store.on('corrupt', (report) => console.warn('session file set aside:', report))
 * app.use(session({
 *   store,
 *   secret: process.env.SESSION_SECRET!,
 *   resave: false,
 *   saveUninitialized: false
 * }))
 * ```
 */
export class FileStore extends Store {
  /** The absolute path of the folder holding the sessions. */
  readonly dir: string
  readonly #reaper: NodeJS.Timeout | undefined

  /** @param options - where to keep the files, and how often to sweep */
  constructor(options: FileStoreOptions) {
    super()
    if (!options || typeof options.dir !== 'string' || options.dir === '') {
      throw new TypeError('FileStore needs a dir option: the folder to keep sessions in')
    }
    this.dir = path.resolve(options.dir)
    fs.mkdirSync(this.dir, { recursive: true })
    const every = options.reapInterval ?? 10 * 60 * 1000
    if (every > 0) {
      this.#reaper = setInterval(() => this.reap(), every)
      this.#reaper.unref()
    }
  }
  // #endregion class-and-constructor

  // #region get
  /**
   * Read one session. A missing file reads as `undefined`; so does an
   * expired one, which is deleted, and one that does not parse, which is
   * set aside and reported as a `'corrupt'` event.
   */
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const file = this.#fileOf(sid)
    if (file instanceof Error) return callback(file)
    this.#load(file, (err, sess) => (err ? callback(err) : callback(null, sess)))
  }
  // #endregion get

  // #region set
  /**
   * Write one session so that a crash or a power cut leaves the old version
   * or the new, never a mixture: see `writeDurably`, below.
   */
  override set(sid: string, session: SessionData, callback?: SessionCallback): void {
    const file = this.#fileOf(sid)
    if (file instanceof Error) return callback?.(file)
    writeDurably(file, JSON.stringify(session, null, 2) + '\n', (err) => callback?.(err ?? undefined))
  }
  // #endregion set

  // #region destroy
  /** Delete one session's file, then flush the folder so that a power cut cannot bring it back. */
  override destroy(sid: string, callback?: SessionCallback): void {
    const file = this.#fileOf(sid)
    if (file instanceof Error) return callback?.(file)
    fs.unlink(file, (err) => {
      // a missing file is not an error: the session is gone either way
      if (err) return callback?.(ignoreMissing(err))
      syncFolder(this.dir, () => callback?.())
    })
  }
  // #endregion destroy

  // #region touch
  /**
   * Move a session's expiry without rewriting the session: the new expiry
   * becomes the file's modification time, which reading takes as the
   * session's expiry whenever it is the later one. No data is written, so
   * a save that lands at the same moment is never overwritten. A missing
   * session stays missing; a cookie without expiry has nothing to move.
   */
  override touch(sid: string, session: SessionData, callback?: SessionCallback): void {
    const file = this.#fileOf(sid)
    if (file instanceof Error) return callback?.(file)
    const expires = expiresAt(session)
    if (expires === undefined) return void setImmediate(() => callback?.())
    fs.utimes(file, new Date(), new Date(expires), (err) => callback?.(ignoreMissing(err)))
  }
  // #endregion touch

  // #region all-length-clear
  /** Every live session, keyed by id; expired files are deleted, and unparseable ones set aside, on the way. */
  override all(callback: (err: unknown, sessions?: Record<string, SessionData> | null) => void): void {
    const sessions = Object.create(null) as Record<string, SessionData>
    this.#forEachFile(
      (entry, done) => {
        if (entry.kind !== 'session') return done()
        this.#load(path.join(this.dir, entry.name), (err, sess) => {
          if (!err && sess) sessions[entry.sid] = sess
          done(err)
        })
      },
      (err) => (err ? callback(err) : callback(null, sessions))
    )
  }

  /** How many live sessions there are. */
  override length(callback: (err: unknown, length?: number) => void): void {
    this.all((err, sessions) => (err ? callback(err) : callback(null, Object.keys(sessions ?? {}).length)))
  }

  /** Delete every session file, old-style names and temporary files included; other files stay. */
  override clear(callback?: SessionCallback): void {
    this.#forEachFile(
      (entry, done) => fs.unlink(path.join(this.dir, entry.name), (err) => done(ignoreMissing(err))),
      (err) => syncFolder(this.dir, () => callback?.(err))
    )
  }
  // #endregion all-length-clear

  // #region reap-and-close
  /**
   * Sweep the folder now (the interval calls this): delete expired session
   * files, set aside unparseable ones, and remove temporary files an hour
   * old or older, which only a crash in the middle of a write leaves. Calls
   * back with how many expired sessions it deleted.
   */
  reap(callback?: (err: unknown, removed: number) => void): void {
    let removed = 0
    const now = Date.now()
    this.#forEachFile(
      (entry, done) => {
        const file = path.join(this.dir, entry.name)
        if (entry.kind === 'temporary') return removeIfStale(file, now, () => done())
        // a file that cannot be read at all is left for a person to look at
        this.#load(file, (_err, _sess, deleted) => {
          if (deleted) removed++
          done()
        })
      },
      (err) => callback?.(err ?? null, removed)
    )
  }

  /** Stop the sweeping timer (the store still works). */
  close(): void {
    clearInterval(this.#reaper)
  }
  // #endregion reap-and-close

  // #region private-methods
  /** The file for a session id, or an error when the id is not safe to turn into a file name. */
  #fileOf(sid: string): string | UnsafeSessionIdError {
    if (typeof sid !== 'string' || !SAFE_ID.test(sid)) return new UnsafeSessionIdError(String(sid))
    return path.join(this.dir, fileNameOf(sid))
  }

  /**
   * Read one session file and judge it: live data comes back; an expired
   * file is deleted (`deleted` says so) and an unparseable one set aside —
   * each only if it still holds what was read.
   */
  #load(file: string, callback: (err: unknown, sess?: SessionData, deleted?: boolean) => void): void {
    readSessionFile(file, (err, read) => {
      if (err || !read) return callback(err)
      if (read.data === undefined) return this.#setAside(file, read, () => callback(null))
      if (!isExpired(read.data, Date.now())) return callback(null, read.data)
      takeIfUnchanged(file, read, (takeErr, taken) => {
        if (takeErr || !taken) return callback(takeErr)
        fs.unlink(taken, (unlinkErr) => callback(ignoreMissing(unlinkErr), undefined, !unlinkErr))
      })
    })
  }

  /** Move an unparseable session file to `<file>.corrupt`, if it has not changed since it was read, and report it. */
  #setAside(file: string, read: NotASession, done: () => void): void {
    const report = (movedTo: string | null) => {
      debug('session file %s is not a session (%s); moved to %s', file, read.problem, movedTo)
      this.emit('corrupt', { file, movedTo, reason: read.problem } satisfies CorruptFileReport)
      done()
    }
    takeIfUnchanged(file, read, (takeErr, taken) => {
      if (takeErr) return report(null)
      // changed or gone since it was read: nothing to set aside
      if (!taken) return done()
      fs.rename(taken, file + CORRUPT_SUFFIX, (renameErr) => report(renameErr ? null : file + CORRUPT_SUFFIX))
    })
  }

  /**
   * Run `work` for every file of this store in the folder, all at once,
   * then `finish` once they are all done, with the first error any of them
   * reported. A folder that has gone holds nothing.
   */
  #forEachFile(
    work: (entry: FolderEntry, done: (err?: unknown) => void) => void,
    finish: (err?: unknown) => void
  ): void {
    fs.readdir(this.dir, (err, names) => {
      if (err) return finish(ignoreMissing(err))
      const entries = names.map(classify).filter((entry) => entry !== undefined)
      let left = entries.length
      let firstError: unknown
      if (left === 0) return finish()
      for (const entry of entries) {
        work(entry, (workErr) => {
          firstError ??= workErr
          if (--left === 0) finish(firstError)
        })
      }
    })
  }
}
// #endregion private-methods

// #region corrupt-report
/** What a {@link FileStore}'s `'corrupt'` event reports: a session file whose content is not a session. */
export interface CorruptFileReport {
  /** The session file, as an absolute path. */
  file: string
  /** Where it was moved for a person to look at (`<file>.corrupt`), or `null` when it could not be moved. */
  movedTo: string | null
  /** Why it is not a session: what the JSON parser said, or that it is not an object. */
  reason: string
}
// #endregion corrupt-report

// #region reading
/** A session file as it was read: its text and modification time, and the session in it or why there is none. */
type SessionFile = SessionRead | NotASession

/** A session file that holds a session, its expiry moved to the file's modification time when that is later. */
interface SessionRead {
  text: string
  mtimeMs: number
  data: SessionData
  problem?: undefined
}

/** A session file whose text is not a session, and why: what the JSON parser said, or that it is not an object. */
interface NotASession {
  text: string
  mtimeMs: number
  data?: undefined
  problem: string
}

/** Read a session file with its modification time; a missing file reads as `undefined`. */
function readSessionFile(
  file: string,
  callback: (err: NodeJS.ErrnoException | null, read?: SessionFile) => void
): void {
  fs.open(file, 'r', (openErr, fd) => {
    if (openErr) return callback(openErr.code === 'ENOENT' ? null : openErr)
    const finish = (err: NodeJS.ErrnoException | null, read?: SessionFile) => fs.close(fd, () => callback(err, read))
    fs.fstat(fd, (statErr, stat) => {
      if (statErr) return finish(statErr)
      if (stat.isDirectory()) return finish(folderInTheWay(file))
      fs.readFile(fd, 'utf8', (readErr, text) =>
        readErr ? finish(readErr) : finish(null, parseSessionFile(text, stat.mtimeMs))
      )
    })
  })
}

/** The error for a folder where a session file should be: the one reading it by name would give. */
function folderInTheWay(file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: 'EISDIR' })
}

/** Parse a session file's text: a JSON object is a session, anything else is not. */
function parseSessionFile(text: string, mtimeMs: number): SessionFile {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    return { text, mtimeMs, problem: (err as Error).message }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { text, mtimeMs, problem: 'not a JSON object' }
  }
  const sess = data as SessionData
  const expires = expiresAt(sess)
  // a touch moved the expiry into the file's modification time
  const touched = Math.round(mtimeMs)
  if (expires !== undefined && touched > expires) {
    ;(sess.cookie as unknown as { expires: string }).expires = new Date(touched).toISOString()
  }
  return { text, mtimeMs, data: sess }
}
// #endregion reading

// #region writing
/**
 * Write a file so that readers see the old content or the new, never half
 * of either, and so that the new content is on the disk, power cut or not,
 * when the callback runs: a temporary file in the same folder, flushed
 * (fsync), renamed over the old one, then the folder flushed so the rename
 * is kept too. A folder that has gone is made again, once.
 */
function writeDurably(
  file: string,
  text: string,
  callback: (err: NodeJS.ErrnoException | null) => void,
  mayMakeFolder = true
): void {
  const temp = temporaryName(file)
  fs.open(temp, 'wx', 0o600, (openErr, fd) => {
    if (openErr?.code === 'ENOENT' && mayMakeFolder) {
      return fs.mkdir(path.dirname(file), { recursive: true }, (mkdirErr) =>
        mkdirErr ? callback(mkdirErr) : writeDurably(file, text, callback, false)
      )
    }
    if (openErr) return callback(openErr)
    const fail = (err: NodeJS.ErrnoException) => fs.close(fd, () => fs.unlink(temp, () => callback(err)))
    fs.writeFile(fd, text, (writeErr) => {
      if (writeErr) return fail(writeErr)
      fs.fsync(fd, (syncErr) => {
        if (syncErr) return fail(syncErr)
        fs.close(fd, () => {
          fs.rename(temp, file, (renameErr) => {
            if (renameErr) return fs.unlink(temp, () => callback(renameErr))
            syncFolder(path.dirname(file), () => callback(null))
          })
        })
      })
    })
  })
}

/**
 * Flush a folder's list of names to the disk, so that a rename or a
 * deletion in it survives a power cut. Best effort: on Windows it does not
 * try; elsewhere, a folder that cannot be opened or flushed is noted in the
 * debug log, and nothing else can be done.
 */
function syncFolder(dir: string, done: () => void): void {
  if (process.platform === 'win32') return done()
  fs.open(dir, 'r', (openErr, fd) => {
    if (openErr) {
      debug('cannot open folder %s to flush it: %s', dir, openErr.message)
      return done()
    }
    fs.fsync(fd, (syncErr) => {
      if (syncErr) debug('cannot flush folder %s: %s', dir, syncErr.message)
      fs.close(fd, () => done())
    })
  })
}
// #endregion writing

// #region removing
/**
 * Move `file` out of the way only if it still holds what was `seen`: it is
 * renamed to a temporary name first, then compared, and if a save replaced
 * it in between, put back. Calls back with the temporary name when the file
 * was taken, and with nothing when it had gone or changed.
 */
function takeIfUnchanged(
  file: string,
  seen: SessionFile,
  callback: (err: NodeJS.ErrnoException | null, taken?: string) => void
): void {
  const aside = temporaryName(file)
  fs.rename(file, aside, (renameErr) => {
    if (renameErr) return callback(ignoreMissing(renameErr) ?? null)
    readSessionFile(aside, (readErr, now) => {
      if (!readErr && now && now.text === seen.text && now.mtimeMs === seen.mtimeMs) return callback(null, aside)
      putBack(aside, file, () => callback(null))
    })
  })
}

/**
 * Put a file taken by mistake back in its place — unless a newer save has
 * taken the place meanwhile (a hard link never overwrites), in which case
 * the taken one is out of date and goes. Where hard links are not
 * supported, a rename puts it back.
 */
function putBack(aside: string, file: string, done: () => void): void {
  fs.link(aside, file, (linkErr) => {
    if (linkErr && linkErr.code !== 'EEXIST') return fs.rename(aside, file, () => done())
    fs.unlink(aside, () => done())
  })
}

/** Remove a temporary file last written an hour or more before `now`. */
function removeIfStale(file: string, now: number, done: () => void): void {
  fs.stat(file, (statErr, stat) => {
    if (statErr || now - stat.mtimeMs < STALE_TEMPORARY_MS) return done()
    fs.unlink(file, () => done())
  })
}
// #endregion removing

// #region ignore-missing
/** Treat "no such file" as success: the session is gone either way. */
function ignoreMissing(err: NodeJS.ErrnoException | null): NodeJS.ErrnoException | undefined {
  return err && err.code !== 'ENOENT' ? err : undefined
}
// #endregion ignore-missing
