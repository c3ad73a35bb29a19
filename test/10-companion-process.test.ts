/**
 * Chapter 10 — the companion app as `npm start` runs it: its own process,
 * configured by the environment; and as `npm run repl` runs it, inside a
 * Node.js REPL.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { cookieHeader, sessionId } from './support/cookies.js'
import { startCompanion } from './support/processes.js'

const root = fileURLToPath(new URL('..', import.meta.url))
/** Each test starts the app through tsx, which takes seconds on a busy machine. */
const PROCESS_TEST_MS = 30_000
let dir: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'companion-process-'))
})
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('npm start (demo/server.ts) (ours only)', () => {
  it(
    'serves the app, prints a notice about the dev secret, and keeps sessions in SESSIONS_DIR',
    async () => {
      const sessions = path.join(dir, 'started')
      const server = await startCompanion({ SESSIONS_DIR: sessions, SESSION_SECRET: '' })
      try {
        expect(server.output()).toContain('SESSION_SECRET is not set')
        const res = await request(server.url).get('/').expect(200)
        expect(fs.readdirSync(sessions)).toEqual([
          expect.stringMatching(new RegExp(`^[0-9a-v]+~${sessionId(res)}\\.json$`))
        ])
      } finally {
        await server.stop()
      }
    },
    PROCESS_TEST_MS
  )

  it(
    'prints a report when it sets aside a session file that is not a session',
    async () => {
      const sessions = path.join(dir, 'started')
      const server = await startCompanion({ SESSIONS_DIR: sessions, SESSION_SECRET: 'test secret' })
      try {
        const visit = await request(server.url).get('/').expect(200)
        const [name] = fs.readdirSync(sessions)
        fs.writeFileSync(path.join(sessions, name), '')
        const reported = server.printed(/Not a session, set aside: (\S+)/)
        await request(server.url).get('/').set('Cookie', cookieHeader(visit)).expect(200)
        expect((await reported)[1]).toBe(path.join(sessions, name))
      } finally {
        await server.stop()
      }
    },
    PROCESS_TEST_MS
  )

  it(
    'refuses a PORT that is not a port, and an unknown SESSION_STORE, with a message',
    () => {
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
    },
    PROCESS_TEST_MS
  )
})

describe('npm run repl (demo/repl.ts) (ours only)', () => {
  it(
    'serves the app inside a REPL where last is the most recent request: its session readable, a change kept once saved; .exit stops it',
    async () => {
      const sessions = path.join(dir, 'repl')
      const repl = await startCompanion(
        { SESSIONS_DIR: sessions, SESSION_SECRET: 'test secret' },
        { script: 'demo/repl.ts' }
      )
      // torn down even when the test fails or times out
      onTestFinished(() => repl.stop('SIGKILL'))
      /** Type an expression; what the REPL printed before its next prompt. */
      const ask = async (expression: string) => {
        const from = repl.output().length
        repl.child.stdin.write(expression + '\n')
        return (await repl.printed(/^([\s\S]*?)companion> /, from))[1].trim()
      }
      const exited = new Promise<number | null>((resolve) => repl.child.once('exit', resolve))
      await repl.printed(/companion> /)
      expect(repl.output()).toContain('In scope: app (the Express app), store (the session store), last ({ req, res }')
      expect(await ask('last')).toBe('undefined')
      const visit = await request(repl.url).get('/inspect').expect(200)
      // the icon a browser asks for by itself does not push the page out of last
      await request(repl.url).get('/favicon.ico').set('Cookie', cookieHeader(visit)).expect(404)
      expect(await ask('last.req.path')).toBe("'/inspect'")
      expect(await ask('last.req.sessionID')).toBe(`'${sessionId(visit)}'`)
      expect(await ask('last.req.session.cookie.httpOnly')).toBe('true')
      expect(await ask('last.req.session.visitLog')).toBe("[ '/inspect' ]")
      expect(await ask('last.res.statusCode')).toBe('200')
      expect(await ask('store.dir')).toBe(`'${sessions}'`)
      expect(await ask('typeof app.listen')).toBe("'function'")
      // a change made from the REPL is kept only once saved
      expect(await ask('last.req.session.views = 41')).toBe('41')
      const home = () => request(repl.url).get('/').set('Cookie', cookieHeader(visit)).expect(200)
      expect((await home()).text).toContain('id="views">1<')
      const from = repl.output().length
      await ask("last.req.session.views = 41; void last.req.session.save(() => console.log('written to the store'))")
      await repl.printed(/written to the store/, from)
      expect((await home()).text).toContain('id="views">42<')
      repl.child.stdin.write('.exit\n')
      expect(await exited).toBe(0)
    },
    PROCESS_TEST_MS
  )
})
