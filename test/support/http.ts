/**
 * Servers for tests: each listens on 127.0.0.1 on a free port and is
 * closed when the test that made it finishes.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { onTestFinished } from 'vitest'

/** A listening server and a supertest client bound to it. */
export interface Served {
  server: http.Server
  url: string
  client: ReturnType<typeof request>
}

/** Start `listener` on 127.0.0.1:0; it is closed when the current test ends. */
export async function serve(listener: http.RequestListener | http.Server): Promise<Served> {
  const server = listener instanceof http.Server ? listener : http.createServer(listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  onTestFinished(() => closeServer(server))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return { server, url, client: request(url) }
}

/** Close a server, dropping its idle keep-alive connections. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
