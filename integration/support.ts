/**
 * A real redis-server for the integration tests: started from Debian's
 * package on 127.0.0.1, with its data in a temporary folder, and stopped
 * (saving its data, so that a restart brings the sessions back).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

/** Where Debian puts redis-server; REDIS_SERVER overrides it. */
export const redisServerPath = process.env.REDIS_SERVER ?? 'redis-server'

/** A running redis-server. */
export interface RedisServer {
  port: number
  url: string
  dir: string
  /** Save the data and stop. */
  stop: () => Promise<void>
  /** Start again on the same port, with the same data. */
  restart: () => Promise<void>
}

/** What redis-server prints when its port is taken. */
const PORT_TAKEN = /Could not create server TCP listening socket .*Address already in use/

/**
 * A port to try: one below Linux's ephemeral range (32768–60999), which the
 * system never hands out for outgoing connections or for port 0, so only a
 * server that chose it the same way can hold it.
 */
function candidatePort(): number {
  return 20_000 + Math.floor(Math.random() * 12_000)
}

/** Start redis-server on a port nobody holds; it fails loudly if the package is not installed. */
export async function startRedis(): Promise<RedisServer> {
  const check = spawnSync(redisServerPath, ['--version'], { encoding: 'utf8' })
  if (check.error || check.status !== 0) {
    throw new Error(
      `redis-server is not installed (apt-get install -y redis-server), or set REDIS_SERVER: ${check.error?.message ?? check.stderr}`
    )
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-'))
  let child: ChildProcess | undefined
  let port = 0

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      child = spawn(
        redisServerPath,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--dbfilename',
          'dump.rdb',
          '--save',
          '',
          '--appendonly',
          'no',
          '--protected-mode',
          'yes'
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] }
      )
      let output = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) resolve()
      })
      child.once('exit', (code) =>
        reject(
          Object.assign(new Error(`redis-server exited with ${code}: ${output}`), {
            portTaken: PORT_TAKEN.test(output)
          })
        )
      )
    })

  const stop = () =>
    new Promise<void>((resolve) => {
      const running = child
      if (!running || running.exitCode !== null) return resolve()
      running.once('exit', () => resolve())
      // SHUTDOWN SAVE writes dump.rdb even with --save "", so a restart finds the sessions
      const socket = net.connect(port, '127.0.0.1', () => socket.end('SHUTDOWN SAVE\r\n'))
      socket.on('error', () => running.kill('SIGKILL'))
    })

  // redis-server cannot pick a port itself (--port 0 turns TCP off): it binds one of ours, and on a
  // port someone else holds, it exits and the next candidate is tried
  for (let attempt = 1; ; attempt++) {
    port = candidatePort()
    try {
      await launch()
      break
    } catch (err) {
      if (!(err as { portTaken?: boolean }).portTaken || attempt === 10) throw err
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop,
    restart: async () => {
      await stop()
      await launch()
    }
  }
}
