/**
 * The companion app as its own process, the way `npm start` runs it, for the
 * tests that need a real restart or two processes at once.
 */
import { spawn } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

/** A running companion app. */
export interface CompanionProcess {
  url: string
  /** What the app printed until it was listening. */
  output: string
  /** Stop it (SIGTERM) and wait for it to exit. */
  stop: () => Promise<void>
}

/**
 * Start demo/server.ts on 127.0.0.1 with this environment (PORT 0, a
 * free port, unless given); resolves once it says where it listens.
 */
export function startCompanion(env: Record<string, string>): Promise<CompanionProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /The companion app is on http:\/\/localhost:(\d+)/.exec(output)
      if (match) resolve({ url: `http://127.0.0.1:${match[1]}`, output, stop })
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => reject(new Error(`the companion app exited with ${code}: ${output}`)))
  })
}
