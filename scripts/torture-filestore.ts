/**
 * `npm run torture:filestore`: the companion app on its FileStore, treated the
 * way a real server gets treated, counting what a visitor would lose.
 *
 * Three phases, each on a fresh sessions folder, every process on 127.0.0.1:
 *
 * 1. kill -9 mid-traffic: visitors count visits while the app is killed with
 *    SIGKILL at a random moment and started again on the same folder, cycle
 *    after cycle;
 * 2. a visit (`GET /`) and a read-only page (`GET /login`) of the same session
 *    sent at the same moment, round after round, to one process;
 * 3. the same pair split over two processes that share one folder.
 *
 * A visit is acknowledged when its response (status 200, "visited N times")
 * has arrived. An acknowledged visit is lost when a later visit of the same
 * session counts less than it should: the store forgot a save it had
 * confirmed. At the end of each phase every file in the folder is checked:
 * a session file that does not parse is corrupt.
 *
 * Options: --cycles N (8), --rounds N per session (150), --sessions N (4).
 * Exits with 1 when anything was lost or corrupt.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { startCompanion, type CompanionProcess } from '../test/support/processes.js'

/** A numeric command-line option, or its default. */
function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  if (at === -1) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} needs a positive whole number`)
  return value
}

const CYCLES = option('cycles', 8)
const ROUNDS = option('rounds', 150)
const SESSIONS = option('sessions', 4)

/** One companion app process. */
type App = CompanionProcess

/** Start demo/server.ts on a free port with its FileStore in `dir`; resolves once it listens. */
function startApp(dir: string): Promise<App> {
  return startCompanion({ SESSIONS_DIR: dir, SESSION_SECRET: 'torture secret' }, { timeout: 30_000 })
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })

/** What came back for one request. */
interface Reply {
  status: number
  body: string
  setCookie: string | undefined
}

/** GET `path` from the app on `port`, sending `cookie` if there is one. */
function get(port: number, pathname: string, cookie: string | undefined): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: pathname, agent, headers: cookie ? { cookie } : {} },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie']?.[0]?.split(';')[0] })
        )
        res.on('error', reject)
      }
    )
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
}

/** One visitor: its cookie and the highest visit count it has had acknowledged. */
interface Visitor {
  cookie: string | undefined
  acknowledged: number
}

/** What a phase counted. */
interface Tally {
  acknowledged: number
  lost: number
  serverErrors: number
}

/** A fresh tally. */
function tally(): Tally {
  return { acknowledged: 0, lost: 0, serverErrors: 0 }
}

/**
 * Visit `/` as `visitor`; count the visit if acknowledged, and the visits
 * lost if the count fell short. A request that fails (the process was
 * killed) is simply not acknowledged.
 */
async function visit(port: number, visitor: Visitor, counts: Tally): Promise<void> {
  let reply: Reply
  try {
    reply = await get(port, '/', visitor.cookie)
  } catch {
    await sleep(5)
    return
  }
  record(reply, visitor, counts)
}

/** Book one reply to `GET /` against the visitor's history. */
function record(reply: Reply, visitor: Visitor, counts: Tally): void {
  if (reply.status !== 200) {
    counts.serverErrors++
    return
  }
  const match = /id="views">(\d+)</.exec(reply.body)
  if (!match) throw new Error(`no visit count in: ${reply.body.slice(0, 200)}`)
  const views = Number(match[1])
  if (reply.setCookie) visitor.cookie = reply.setCookie
  if (views <= visitor.acknowledged) counts.lost += visitor.acknowledged - views + 1
  visitor.acknowledged = views
  counts.acknowledged++
}

/** What the folder holds: session files that parse, that do not, and leftovers. */
function inspectFolder(dir: string): { sessions: number; corrupt: number; setAside: number; temporary: number } {
  const found = { sessions: 0, corrupt: 0, setAside: 0, temporary: 0 }
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (name.endsWith('.tmp')) found.temporary++
    else if (name.endsWith('.corrupt')) found.setAside++
    else if (name.endsWith('.json')) {
      try {
        const data: unknown = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'))
        if (data === null || typeof data !== 'object') throw new Error('not an object')
        found.sessions++
      } catch {
        found.corrupt++
      }
    }
  }
  return found
}

/** Resolve after `ms` milliseconds. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Phase 1: visitors keep counting while the app is killed with SIGKILL and restarted. */
async function killNine(dir: string): Promise<Tally> {
  const counts = tally()
  const visitors: Visitor[] = Array.from({ length: SESSIONS * 2 }, () => ({ cookie: undefined, acknowledged: 0 }))
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const app = await startApp(dir)
    let running = true
    const loops = visitors.map(async (visitor) => {
      while (running) await visit(app.port, visitor, counts)
    })
    await sleep(400 + Math.floor(Math.random() * 800))
    await app.stop('SIGKILL')
    running = false
    await Promise.all(loops)
  }
  // one last visit each, to see what the last kill left behind
  const app = await startApp(dir)
  for (const visitor of visitors) await visit(app.port, visitor, counts)
  await app.stop('SIGTERM')
  return counts
}

/**
 * Phases 2 and 3: per round, a visit and a read-only page of one session at
 * the same moment; `pick(round)` says which app serves which of the two.
 */
async function visitAndRead(apps: App[], pick: (round: number) => [App, App]): Promise<Tally> {
  const counts = tally()
  const sessions = Array.from({ length: SESSIONS }, async () => {
    const visitor: Visitor = { cookie: undefined, acknowledged: 0 }
    await visit(apps[0].port, visitor, counts)
    for (let round = 0; round < ROUNDS; round++) {
      const [visiting, reading] = pick(round)
      const [reply] = await Promise.all([
        get(visiting.port, '/', visitor.cookie),
        get(reading.port, '/login', visitor.cookie)
      ])
      record(reply, visitor, counts)
    }
    // the last round's visit is checked by one more
    await visit(apps[0].port, visitor, counts)
  })
  await Promise.all(sessions)
  return counts
}

/** Run a phase on a fresh folder and print its line. */
async function phase(name: string, run: (dir: string) => Promise<Tally>): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torture-filestore-'))
  try {
    const started = Date.now()
    const counts = await run(dir)
    const folder = inspectFolder(dir)
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    console.log(
      `${name.padEnd(44)} acknowledged ${String(counts.acknowledged).padStart(5)}  lost ${String(counts.lost).padStart(4)}  ` +
        `500s ${String(counts.serverErrors).padStart(3)}  corrupt files ${folder.corrupt}  set aside ${folder.setAside}  ` +
        `temporary files ${folder.temporary}  (${seconds} s)`
    )
    return counts.lost === 0 && folder.corrupt === 0
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

console.log(`FileStore torture: ${CYCLES} kill -9 cycles, ${SESSIONS} sessions x ${ROUNDS} rounds per race phase`)
const results = [
  await phase(`kill -9 mid-traffic (${CYCLES} cycles)`, killNine),
  await phase('visit + read-only page, one process', async (dir) => {
    const app = await startApp(dir)
    try {
      return await visitAndRead([app], () => [app, app])
    } finally {
      await app.stop('SIGTERM')
    }
  }),
  await phase('visit + read-only page, two processes', async (dir) => {
    const a = await startApp(dir)
    const b = await startApp(dir)
    try {
      return await visitAndRead([a, b], (round) => (round % 2 === 0 ? [a, b] : [b, a]))
    } finally {
      await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')])
    }
  })
]
agent.destroy()
process.exitCode = results.every(Boolean) ? 0 : 1
