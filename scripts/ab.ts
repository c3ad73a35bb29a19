import { fork } from 'node:child_process'
import autocannon from 'autocannon'
const variants = process.argv.slice(2)
const scenario = process.env.SCENARIO ?? 'read'
const servers: Record<string, { url: string; kill: () => void }> = {}
for (const v of variants) {
  const child = fork('/work/main/scripts/bench/server.ts', [v], { execArgv: ['--import', 'tsx', ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof-' + v] : [])] })
  const port: number = await new Promise((r) => child.once('message', (m: any) => r(m.port)))
  servers[v] = { url: `http://127.0.0.1:${port}`, kill: () => child.disconnect() }
}
const cookie: Record<string, string> = {}
for (const v of variants) {
  const res = await fetch(`${servers[v].url}/${scenario}/setup`); cookie[v] = (res.headers.get('set-cookie') ?? '').split(';')[0]
  await autocannon({ url: `${servers[v].url}/${scenario}/hit`, connections: 10, duration: 2, headers: { cookie: cookie[v] } })
}
const out: Record<string, number[]> = {}
for (let r = 0; r < Number(process.env.ROUNDS ?? 4); r++) for (const v of variants) {
  const res = await autocannon({ url: `${servers[v].url}/${scenario}/hit`, connections: 10, duration: Number(process.env.SECS ?? 3), headers: scenario === 'new' ? {} : { cookie: cookie[v] } })
  ;(out[v] ??= []).push(Math.round(res.requests.average))
}
console.log(scenario, out)
for (const v of variants) servers[v].kill()
