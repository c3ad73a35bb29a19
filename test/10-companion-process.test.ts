/**
 * Chapter 10 — the companion app as `npm start` runs it: its own process,
 * configured by the environment.
 */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cookieHeader, sessionId } from './support/cookies.js'
import { startCompanion } from './support/processes.js'

const root = fileURLToPath(new URL('..', import.meta.url))
let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'companion-process-'))
})
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('npm start (demo/server.ts)', () => {
  it('serves the app, prints a notice about the dev secret, and keeps sessions in SESSIONS_DIR', async () => {
    const sessions = path.join(dir, 'started')
    const server = await startCompanion({ SESSIONS_DIR: sessions, SESSION_SECRET: '' })
    try {
      expect(server.output).toContain('SESSION_SECRET is not set')
      const res = await request(server.url).get('/').expect(200)
      expect(fs.readdirSync(sessions)).toEqual([
        expect.stringMatching(new RegExp(`^[0-9a-v]+~${sessionId(res)}\\.json$`))
      ])
    } finally {
      await server.stop()
    }
  })

  it('prints a report when it sets aside a session file that is not a session', async () => {
    const sessions = path.join(dir, 'started')
    const child = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SESSIONS_DIR: sessions, SESSION_SECRET: 'test secret' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      let output = ''
      const heard = (pattern: RegExp) =>
        new Promise<RegExpExecArray>((resolve) => {
          const listen = (chunk: Buffer) => {
            output += chunk.toString()
            const match = pattern.exec(output)
            if (match) {
              child.stdout.off('data', listen)
              child.stderr.off('data', listen)
              resolve(match)
            }
          }
          child.stdout.on('data', listen)
          child.stderr.on('data', listen)
        })
      const [, port] = await heard(/The companion app is on http:\/\/localhost:(\d+)/)
      const url = `http://127.0.0.1:${port}`
      const visit = await request(url).get('/').expect(200)
      const [name] = fs.readdirSync(sessions)
      fs.writeFileSync(path.join(sessions, name), '')
      const reported = heard(/Not a session, set aside: (\S+)/)
      await request(url).get('/').set('Cookie', cookieHeader(visit)).expect(200)
      expect((await reported)[1]).toBe(path.join(sessions, name))
    } finally {
      child.kill('SIGTERM')
      await exited
    }
  })

  it('refuses a PORT that is not a port, and an unknown SESSION_STORE, with a message', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'demo/server.ts'], {
        cwd: root,
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: 20_000
      })
    const badPort = run({ PORT: 'eighty' })
    expect([badPort.status, badPort.stderr.trim()]).toEqual([1, 'PORT must be a port number, not "eighty"'])
    const badStore = run({ PORT: '0', SESSION_STORE: 'etcd' })
    expect([badStore.status, badStore.stderr.trim()]).toEqual([
      1,
      'SESSION_STORE must be "file", "memory" or "redis", not "etcd"'
    ])
  })
})
