/**
 * Chapter 11 in a real browser: what SameSite does to a cross-site request.
 * The application runs on 127.0.0.1, the attacker's page on localhost — two
 * different sites to the browser — and Chromium carries (or withholds) the
 * session cookie as a victim's browser would.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import session from '../src/index.js'
import { data } from '../test/support/apps.js'
import { launchChromium } from './support.js'

let page: Page
let closeBrowser: () => Promise<void>
const servers: http.Server[] = []
let bank = ''
let attacker = ''

/** Listen on 127.0.0.1 and remember the server for closing. */
function listen(app: http.RequestListener): Promise<number> {
  const server = http.createServer(app)
  servers.push(server)
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))
}

beforeAll(async () => {
  const app = express()
  app.use(express.urlencoded({ extended: false }))
  for (const sameSite of ['lax', 'strict'] as const) {
    const area = express.Router()
    area.use(
      session({
        name: `${sameSite}.sid`,
        secret: 'bank secret',
        resave: false,
        saveUninitialized: false,
        cookie: { sameSite, path: `/${sameSite}` }
      })
    )
    area.get('/login', (req, res, next) => {
      req.session.regenerate((err) => {
        if (err) return next(err)
        data(req).user = 'rasmus'
        req.session.save(() => res.send('logged in'))
      })
    })
    const whoami = (req: express.Request, res: express.Response) => {
      res.send(`user: ${data(req).user ?? 'anonymous'}`)
    }
    area.get('/whoami', whoami)
    area.post('/transfer', whoami)
    app.use(`/${sameSite}`, area)
  }
  bank = `http://127.0.0.1:${await listen(app)}`

  const evil = express()
  evil.get('/post/:area', (req, res) => {
    res
      .type('html')
      .send(
        `<form method="post" action="${bank}/${req.params.area}/transfer"><input name="to" value="mallory"></form><script>document.forms[0].submit()</script>`
      )
  })
  evil.get('/link/:area', (req, res) => {
    res.type('html').send(`<a id="go" href="${bank}/${req.params.area}/whoami">win a prize</a>`)
  })
  attacker = `http://localhost:${await listen(evil)}`

  const chromium = await launchChromium()
  closeBrowser = chromium.close
  page = chromium.context.pages()[0] ?? (await chromium.context.newPage())
  for (const area of ['lax', 'strict']) {
    await page.goto(`${bank}/${area}/login`)
    expect(await page.textContent('body')).toBe('logged in')
  }
})

afterAll(async () => {
  await closeBrowser?.()
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
})

/** Visit an attacker page that submits a form to the bank; what did the bank see? */
async function crossSitePost(area: string): Promise<string> {
  await Promise.all([page.waitForURL(`${bank}/${area}/transfer`), page.goto(`${attacker}/post/${area}`)])
  return (await page.textContent('body')) ?? ''
}

/** Follow a link on an attacker page to the bank; what did the bank see? */
async function crossSiteLink(area: string): Promise<string> {
  await page.goto(`${attacker}/link/${area}`)
  await Promise.all([page.waitForURL(`${bank}/${area}/whoami`), page.click('#go')])
  return (await page.textContent('body')) ?? ''
}

describe('SameSite in Chromium', () => {
  it("on the bank's own pages, both cookies are sent", async () => {
    for (const area of ['lax', 'strict']) {
      await page.goto(`${bank}/${area}/whoami`)
      expect(await page.textContent('body')).toBe('user: rasmus')
    }
  })

  it('a form another site submits to the bank arrives without a Lax cookie', async () => {
    expect(await crossSitePost('lax')).toBe('user: anonymous')
  })

  it('a form another site submits to the bank arrives without a Strict cookie', async () => {
    expect(await crossSitePost('strict')).toBe('user: anonymous')
  })

  it('a link from another site carries a Lax cookie: top-level navigation is allowed', async () => {
    expect(await crossSiteLink('lax')).toBe('user: rasmus')
  })

  it('a link from another site does not carry a Strict cookie', async () => {
    expect(await crossSiteLink('strict')).toBe('user: anonymous')
  })
})
