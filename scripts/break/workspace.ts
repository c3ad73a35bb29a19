/**
 * The temporary copy of the repository an exercise breaks, so that the
 * working tree is never touched. The copy holds what the tests need (src/,
 * test/, the companion app, the configuration and this tool's reporter) with
 * node_modules linked, not copied. Every copy is removed when the process
 * exits — normally, on an uncaught error, or on Ctrl-C (SIGINT), SIGTERM or
 * SIGHUP, after the test processes started in it are stopped — unless it
 * was made to be kept.
 */
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** The repository's root. */
export const repoRoot = path.resolve(import.meta.dirname, '..', '..')

/** What the copy holds, relative to the root; whatever of it exists is copied. */
export const copied = ['src', 'test', 'demo', 'scripts/break', 'package.json', 'tsconfig.json', 'vitest.config.ts']

/** The prefix of every copy's folder name in the system's temporary folder. */
export const prefix = 'express-session-break-'

const doomed = new Set<string>()
const running = new Set<ChildProcess>()
let installed = false

/**
 * Copy the repository at `root` into a new temporary folder named after
 * `label`. Unless `keep`, the folder is removed when the process exits.
 *
 * @returns the folder's path
 */
export function createWorkspace(root: string, label: string, keep: boolean): string {
  installCleanup()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix + label + '-'))
  if (!keep) doomed.add(dir)
  for (const item of copied) {
    const from = path.join(root, item)
    if (!fs.existsSync(from)) continue
    fs.cpSync(from, path.join(dir, item), { recursive: true, filter: (source) => !isNodeModules(root, source) })
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  return dir
}

/** Remove a copy now (the process goes on). */
export function removeWorkspace(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true })
  doomed.delete(dir)
}

/**
 * Track a child process started in a copy, so that a signal stops it (and
 * every process it started: it must be spawned `detached`, as the leader of
 * its own process group) before the copy is removed.
 */
export function track(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
}

/** Install, once, what removes the copies when the process ends. */
function installCleanup(): void {
  if (installed) return
  installed = true
  process.on('exit', () => {
    stopChildren()
    for (const dir of doomed) fs.rmSync(dir, { recursive: true, force: true })
  })
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const
  for (const [signal, code] of Object.entries(codes)) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping the tests and removing the temporary copy`)
      process.exit(code)
    })
  }
}

/** Stop every tracked child's process group at once. */
function stopChildren(): void {
  for (const child of running) {
    if (child.pid === undefined || child.exitCode !== null) continue
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // the group is already gone
    }
  }
}

/** Whether a path is, or lies inside, a node_modules folder under the root (never copied: the copy links the root's). */
function isNodeModules(root: string, source: string): boolean {
  return path.relative(root, source).split(path.sep).includes('node_modules')
}
