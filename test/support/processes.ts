/**
 * The companion app as its own process, the way `npm start` (or `npm run
 * repl`) runs it, for the tests and scripts that need a real restart, a
 * kill, or two processes at once. Nothing here depends on vitest.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The message demo/launch.ts sends over the IPC channel once it listens. */
export interface ListeningMessage {
  companion: 'listening'
  port: number
}

/** How to start the companion app. */
export interface CompanionStart {
  /** `demo/server.ts` (`npm start`, the default) or `demo/repl.ts` (`npm run repl`). */
  script?: 'demo/server.ts' | 'demo/repl.ts'
  /** Milliseconds it may take to listen before it is killed and the start fails; 20 s by default. */
  timeout?: number
}

/** A running companion app. */
export interface CompanionProcess {
  /** Where it listens: `http://127.0.0.1:<port>`. */
  url: string
  port: number
  /** The process, its stdin open (the REPL reads it). */
  child: ChildProcessByStdio<Writable, Readable, Readable>
  /** Everything it has printed so far, stdout and stderr together. */
  output: () => string
  /** The first match of `pattern` in what it printed from offset `from` on, as soon as there is one. */
  printed: (pattern: RegExp, from?: number) => Promise<RegExpExecArray>
  /** Stop it with `signal` (SIGTERM unless given) and wait until it has exited. */
  stop: (signal?: NodeJS.Signals) => Promise<void>
}

/** Whether an IPC message is demo/launch.ts saying where it listens. */
function isListening(message: unknown): message is ListeningMessage {
  const m = message as Partial<ListeningMessage> | null
  return typeof m === 'object' && m !== null && m.companion === 'listening' && typeof m.port === 'number'
}

/**
 * Start the companion app on 127.0.0.1 with this environment added; PORT is
 * 0, so the system picks a free port, and the app reports it over an IPC
 * channel (the line it prints for people is not parsed). Rejects when the
 * app exits first or does not listen within the timeout.
 */
export function startCompanion(env: Record<string, string>, start: CompanionStart = {}): Promise<CompanionProcess> {
  const { script = 'demo/server.ts', timeout = 20_000 } = start
  // spawn's typings know pipes only for three-element stdio arrays; the fourth here is the IPC channel
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['pipe', 'pipe', 'pipe', 'ipc']
  }) as ChildProcessByStdio<Writable, Readable, Readable>
  let output = ''
  const collect = (chunk: Buffer) => (output += chunk.toString())
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  const printed = (pattern: RegExp, from = 0) =>
    new Promise<RegExpExecArray>((resolve) => {
      const check = () => {
        const match = pattern.exec(output.slice(from))
        if (!match) return
        child.stdout.off('data', check)
        child.stderr.off('data', check)
        resolve(match)
      }
      child.stdout.on('data', check)
      child.stderr.on('data', check)
      check()
    })

  return new Promise((resolve, reject) => {
    let settled = false
    const fail = (reason: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`the companion app (${script}) ${reason}; it printed: ${output}`))
    }
    const timer = setTimeout(() => fail(`did not listen within ${timeout} ms`), timeout)
    child.once('exit', (code, signal) => fail(`exited with ${code ?? signal} before it listened`))
    child.on('message', (message) => {
      if (settled || !isListening(message)) return
      settled = true
      clearTimeout(timer)
      // one message is all the channel is for
      child.disconnect()
      resolve({
        url: `http://127.0.0.1:${message.port}`,
        port: message.port,
        child,
        output: () => output,
        printed,
        stop
      })
    })
  })
}
