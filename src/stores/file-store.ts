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
import Store from '../session/store.js'
import type { SessionCallback, SessionData } from '../session/session.js'
// #endregion imports

// #region options
/** Options for {@link FileStore}. */
export interface FileStoreOptions {
  /** The folder that holds the session files; created if missing. */
  dir: string
  /**
   * How often, in milliseconds, to sweep expired session files away;
   * 10 minutes by default, `0` for never. The timer never keeps the
   * process alive.
   */
  reapInterval?: number
}

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

const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/
const SUFFIX = '.json'
// #endregion options

// #region class
/**
 * A {@link Store} that writes each session to `<dir>/<id>.json`.
 *
 * @example
 * ```ts
 * import session from 'express-session-annotated'
 * import { FileStore } from 'express-session-annotated/stores/file-store'
 *
 * app.use(session({
 *   store: new FileStore({ dir: '.sessions' }),
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
  // #endregion class

  // #region get
  /** Read one session; an expired one is deleted and reads as `undefined`. */
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const file = this.#fileOf(sid)
    if (file instanceof Error) return callback(file)
    readSession(file, (err, sess) => {
      if (err) return callback(err)
      if (sess && isExpired(sess)) {
        return fs.unlink(file, (unlinkErr) => callback(ignoreMissing(unlinkErr)))
      }
      callback(null, sess)
    })
  }
  // #endregion get

  // #region set
  /** Write one session atomically: to a temporary file, then renamed over the old one. */
  override set(sid: string, session: SessionData, callback?: SessionCallback): void {
    const file = this.#fileOf(sid)
    if (file instanceof Error) return callback?.(file)
    writeAtomically(file, JSON.stringify(session, null, 2) + '\n', (err) => callback?.(err ?? undefined))
  }
  // #endregion set

  // #region destroy
  /** Delete one session's file; a missing file is not an error. */
  override destroy(sid: string, callback?: SessionCallback): void {
    const file = this.#fileOf(sid)
    if (file instanceof Error) return callback?.(file)
    fs.unlink(file, (err) => callback?.(ignoreMissing(err)))
  }
  // #endregion destroy

  // #region touch
  /** Replace a stored session's cookie (its expiry), keeping its data; a missing session stays missing. */
  override touch(sid: string, session: SessionData, callback?: SessionCallback): void {
    this.get(sid, (err, current) => {
      if (err || !current) return callback?.(err ?? undefined)
      current.cookie = session.cookie
      this.set(sid, current, callback)
    })
  }
  // #endregion touch

  // #region all
  /** Every live session, keyed by id; expired files are deleted on the way. */
  override all(callback: (err: unknown, sessions?: Record<string, SessionData> | null) => void): void {
    const sessions: Record<string, SessionData> = Object.create(null)
    this.#forEachId(
      (sid, done) =>
        this.get(sid, (err, sess) => {
          if (!err && sess) sessions[sid] = sess
          done(err)
        }),
      (err) => (err ? callback(err) : callback(null, sessions))
    )
  }

  /** How many live sessions there are. */
  override length(callback: (err: unknown, length?: number) => void): void {
    this.all((err, sessions) => (err ? callback(err) : callback(null, Object.keys(sessions ?? {}).length)))
  }

  /** Delete every session file. */
  override clear(callback?: SessionCallback): void {
    this.#forEachId(
      (sid, done) => this.destroy(sid, done),
      (err) => callback?.(err)
    )
  }
  // #endregion all

  // #region reap
  /** Delete every expired session file now; the interval calls this. */
  reap(callback?: (err: unknown, removed: number) => void): void {
    let removed = 0
    this.#forEachId(
      (sid, done) => {
        const file = path.join(this.dir, sid + SUFFIX)
        readSession(file, (readErr, sess) => {
          // an unreadable file is left for a person to look at, not deleted
          if (readErr || !sess || !isExpired(sess)) return done()
          fs.unlink(file, (unlinkErr) => {
            if (!unlinkErr) removed++
            done()
          })
        })
      },
      (err) => callback?.(err ?? null, removed)
    )
  }

  /** Stop the sweeping timer (the store still works). */
  close(): void {
    clearInterval(this.#reaper)
  }
  // #endregion reap

  // #region private
  /** The file for a session id, or an error when the id is not a safe file name. */
  #fileOf(sid: string): string | UnsafeSessionIdError {
    if (typeof sid !== 'string' || !SAFE_ID.test(sid)) return new UnsafeSessionIdError(String(sid))
    return path.join(this.dir, sid + SUFFIX)
  }

  /**
   * Run `work` for every session in the folder, all at once, then `finish`
   * once they are all done, with the first error any of them reported.
   */
  #forEachId(work: (sid: string, done: (err?: unknown) => void) => void, finish: (err?: unknown) => void): void {
    this.#ids((err, ids) => {
      if (err) return finish(err)
      let left = ids.length
      let firstError: unknown
      if (left === 0) return finish()
      for (const sid of ids) {
        work(sid, (workErr) => {
          if (workErr && firstError === undefined) firstError = workErr
          if (--left === 0) finish(firstError)
        })
      }
    })
  }

  /** The ids of every session file in the folder (temporary files start with a dot and are skipped). */
  #ids(callback: (err: unknown, ids: string[]) => void): void {
    fs.readdir(this.dir, (err, names) => {
      if (err) return callback(err, [])
      const ids = names
        .filter((name) => name.endsWith(SUFFIX))
        .map((name) => name.slice(0, -SUFFIX.length))
        .filter((sid) => SAFE_ID.test(sid))
      callback(null, ids)
    })
  }
}
// #endregion private

// #region helpers
/** Read and parse one session file; a missing file reads as `undefined`, a corrupt one as an error. */
function readSession(file: string, callback: (err: Error | null, sess?: SessionData) => void): void {
  fs.readFile(file, 'utf8', (err, text) => {
    if (err) return callback(err.code === 'ENOENT' ? null : err)
    try {
      callback(null, JSON.parse(text) as SessionData)
    } catch (parseErr) {
      callback(new Error(`corrupt session file ${path.basename(file)}: ${(parseErr as Error).message}`))
    }
  })
}

/** Whether stored data carries an expiry that has passed. */
function isExpired(sess: SessionData): boolean {
  const expires: unknown = sess.cookie && sess.cookie.expires
  if (expires === null || expires === undefined) return false
  return new Date(expires as string).getTime() <= Date.now()
}

/** Write a file so that readers see the old content or the new, never half of either. */
function writeAtomically(file: string, text: string, callback: (err: NodeJS.ErrnoException | null) => void): void {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`
  )
  fs.writeFile(temp, text, { mode: 0o600 }, (writeErr) => {
    if (writeErr) return fs.rm(temp, { force: true }, () => callback(writeErr))
    fs.rename(temp, file, (renameErr) => {
      if (renameErr) return fs.rm(temp, { force: true }, () => callback(renameErr))
      callback(null)
    })
  })
}

/** Treat "no such file" as success: the session is gone either way. */
function ignoreMissing(err: NodeJS.ErrnoException | null): NodeJS.ErrnoException | undefined {
  return err && err.code !== 'ENOENT' ? err : undefined
}
// #endregion helpers
