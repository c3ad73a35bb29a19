/**
 * The companion app in a real browser: Debian's headless Chromium, driven
 * by playwright-core, against `demo/server.ts` running as its own process.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryStore } from '../src/index.js'
import { createApp } from '../demo/app.js'
import { closeServer } from '../test/support/http.js'
import { startCompanion, type CompanionProcess } from '../test/support/processes.js'
import { launchChromium } from './support.js'

let closeBrowser: () => Promise<void>
let app: CompanionProcess
let sessionsDir: string
let page: Page

beforeAll(async () => {
  sessionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-sessions-'))
  app = await startApp()
  const chromium = await launchChromium()
  closeBrowser = chromium.close
  page = chromium.context.pages()[0] ?? (await chromium.context.newPage())
})

afterAll(async () => {
  await closeBrowser?.()
  await app?.stop()
  fs.rmSync(sessionsDir, { recursive: true, force: true })
})

/** The companion app as `npm start` runs it, on the test's sessions folder. */
function startApp(): Promise<CompanionProcess> {
  return startCompanion({ SESSIONS_DIR: sessionsDir, SESSION_SECRET: 'e2e secret' })
}

/** The text of an element on the current page. */
async function text(selector: string): Promise<string> {
  return (await page.textContent(selector))?.trim() ?? ''
}

/** The session cookie the browser holds, if any. */
async function sessionCookie() {
  return (await page.context().cookies()).find((c) => c.name === 'connect.sid')
}

describe('the companion app in Chromium', () => {
  let idBeforeLogin = ''
  let idAfterLogin = ''

  it('counts visits: the counter rises on the second visit', async () => {
    await page.goto(app.url + '/')
    expect(await text('#views')).toBe('1')
    await page.reload()
    expect(await text('#views')).toBe('2')
    idBeforeLogin = await text('#session-id')
    expect(idBeforeLogin).toMatch(/^[\w-]{32}$/)
    expect(await sessionCookie()).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
  })

  it('the visit log lists the pages visited, oldest first', async () => {
    await page.goto(app.url + '/inspect')
    await page.goto(app.url + '/store')
    expect(await page.locator('#visit-log li').allTextContents()).toEqual(['/', '/', '/inspect', '/store'])
  })

  it('logs in as rasmus and gets a new session id', async () => {
    await page.goto(app.url + '/login')
    await page.fill('#username', 'rasmus')
    await page.fill('#password', 'default')
    await Promise.all([page.waitForURL(app.url + '/'), page.click('#submit')])
    expect(await text('#user')).toBe('rasmus')
    idAfterLogin = await text('#session-id')
    expect(idAfterLogin).toMatch(/^[\w-]{32}$/)
    expect(idAfterLogin).not.toBe(idBeforeLogin)
  })

  it('is still logged in after the server restarts', async () => {
    await app.stop()
    // the new process listens on another port; the browser's cookie is for the host, whatever the port
    app = await startApp()
    await page.goto(app.url + '/')
    expect(await text('#user')).toBe('rasmus')
    expect(await text('#session-id')).toBe(idAfterLogin)
  })

  it('the inspector shows the cookie taken apart, with a signature that verifies', async () => {
    await page.goto(app.url + '/inspect')
    expect(await text('#part-id')).toBe(idAfterLogin)
    expect(await text('#verifies')).toBe('yes')
    if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true })
  })

  it('logging out clears the cookie and removes the session', async () => {
    await page.goto(app.url + '/')
    const loggedIn = (await sessionCookie())?.value
    const cleared = page.waitForResponse((res) => res.url().endsWith('/logout'))
    await Promise.all([page.waitForURL(app.url + '/'), page.click('#logout')])
    const setCookie = await (await cleared).headerValue('set-cookie')
    expect(setCookie).toMatch(/^connect\.sid=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT/)
    expect(await text('#user')).toBe('not logged in')
    // the home page counts visits, so it starts a new, anonymous session at once
    expect((await sessionCookie())?.value).not.toBe(loggedIn)
    expect(fs.readdirSync(sessionsDir).filter((f) => f.includes(idAfterLogin))).toEqual([])
  })
})

describe('/headers in Chromium', () => {
  /** The request headers a /headers response reports. */
  type Headers = Record<string, string | undefined>

  it('a first visit sends no Cookie header; from the second on the session cookie arrives', async () => {
    await page.context().clearCookies()
    const first = await page.goto(app.url + '/headers')
    expect(first?.headers()['cache-control']).toBe('no-store')
    const firstHeaders = (await first?.json()) as Headers
    expect(firstHeaders['user-agent']).toMatch(/Chrome/)
    expect(firstHeaders.cookie).toBeUndefined()
    const held = await sessionCookie()
    expect(held?.value).toMatch(/^s%3A[\w-]{32}\./)
    const second = await page.goto(app.url + '/headers')
    const secondHeaders = (await second?.json()) as Headers
    expect(secondHeaders.cookie).toBe(`connect.sid=${held?.value}`)
  })

  it("a script on the app's own page cannot read the HttpOnly cookie from document.cookie, but can from /headers", async () => {
    await page.goto(app.url + '/')
    const held = await sessionCookie()
    expect(held?.httpOnly).toBe(true)
    expect(await page.evaluate('document.cookie')).toBe('')
    const echoed = await page.evaluate(() =>
      fetch('/headers').then((res) => res.json() as Promise<Record<string, string | undefined>>)
    )
    expect(echoed.cookie).toBe(`connect.sid=${held?.value}`)
  })

  it('a page from another origin cannot read /headers: the app sends no CORS header', async () => {
    const other = http.createServer((_req, res) => res.end('<!doctype html><title>another origin</title>'))
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    try {
      const { port: otherPort } = other.address() as { port: number }
      await page.goto(`http://127.0.0.1:${otherPort}/`)
      const outcome = await page.evaluate((url) => {
        return fetch(url, { credentials: 'include' }).then(
          (res) => `read, status ${res.status}`,
          (err: Error) => `refused: ${err.name}`
        )
      }, app.url + '/headers')
      expect(outcome).toBe('refused: TypeError')
    } finally {
      await closeServer(other)
    }
  })
})

describe('the icon', () => {
  it("Chromium asks for /favicon.ico after the JSON of /headers, not after the app's pages, which declare an empty icon", async () => {
    // the app in this process, so that the server can see the icon's request: playwright does not report it
    const app = createApp({ store: new MemoryStore(), secret: 'e2e secret' })
    const asked: string[] = []
    let sawIcon: () => void = () => {}
    const iconAsked = new Promise<void>((resolve) => (sawIcon = resolve))
    const server = http.createServer((req, res) => {
      asked.push(req.url ?? '')
      if (req.url === '/favicon.ico') sawIcon()
      app(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port: appPort } = server.address() as { port: number }
      const url = `http://127.0.0.1:${appPort}`
      await page.goto(url + '/')
      await page.goto(url + '/inspect')
      await page.goto(url + '/headers')
      await iconAsked
      expect(asked).toEqual(['/', '/inspect', '/headers', '/favicon.ico'])
    } finally {
      await closeServer(server)
    }
  })
})
