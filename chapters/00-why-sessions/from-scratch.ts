// #region from-scratch
import crypto from 'node:crypto'
import http from 'node:http'

/** What the server remembers about one visitor. */
interface Visit {
  count: number
}

/** A session in thirty lines: a cookie that carries an id, a Map that keeps the rest. */
export function createServer(): http.Server {
  const sessions = new Map<string, Visit>()

  return http.createServer((req, res) => {
    // 1. Which visitor is this? Only the cookie can tell us.
    const sent = /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1]
    let id = sent !== undefined && sessions.has(sent) ? sent : undefined

    // 2. A stranger gets a fresh, unguessable id and an empty record.
    if (id === undefined) {
      id = crypto.randomBytes(18).toString('base64url')
      sessions.set(id, { count: 0 })
      res.setHeader('Set-Cookie', `sid=${id}; Path=/; HttpOnly; SameSite=Lax`)
    }

    // 3. The record lives on the server; the browser only holds the key.
    const visit = sessions.get(id) as Visit
    visit.count++
    res.end(`visit ${visit.count}\n`)
  })
}
// #endregion from-scratch
