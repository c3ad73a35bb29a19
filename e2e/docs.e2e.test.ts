/**
 * The docs site in a real browser: built fresh by TypeDoc, served from
 * 127.0.0.1, read in Debian's headless Chromium.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './support.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const shots = process.env.SCREENSHOT_DIR
let out: string
let server: http.Server
let base: string
let page: Page
let closeBrowser: () => Promise<void>

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ts': 'text/plain; charset=utf-8'
}

/** A static file server for the built site, on 127.0.0.1 only. */
function serveDir(dir: string): Promise<http.Server> {
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const file = path.join(dir, decodeURIComponent(url.pathname).replace(/\/$/, '/index.html'))
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.statusCode = 404
      return res.end('not found')
    }
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream')
    fs.createReadStream(file).pipe(res)
  })
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)))
}

beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-site-'))
  const build = spawnSync(process.execPath, ['--import', 'tsx', 'node_modules/typedoc/bin/typedoc', '--out', out], {
    cwd: root,
    encoding: 'utf8'
  })
  if (build.status !== 0) throw new Error(`the docs build failed:\n${build.stdout}\n${build.stderr}`)
  server = await serveDir(out)
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const chromium = await launchChromium()
  closeBrowser = chromium.close
  page = chromium.context.pages()[0] ?? (await chromium.context.newPage())
  await page.setViewportSize({ width: 1280, height: 900 })
})

afterAll(async () => {
  await closeBrowser?.()
  await new Promise((resolve) => server?.close(resolve))
  fs.rmSync(out, { recursive: true, force: true })
})

/** The text of every link in the sidebar, in order, once the navigation script has drawn it. */
async function sidebar(): Promise<string[]> {
  await page.waitForSelector('.site-menu .tsd-navigation a')
  const texts = await page.locator('.site-menu .tsd-navigation a').allTextContents()
  return texts.map((text) => text.trim())
}

describe('the docs site in Chromium', () => {
  it('the landing page is the README, with the chapters in reading order in the navigation', async () => {
    await page.goto(base + '/index.html')
    expect(await page.textContent('.tsd-panel.tsd-typography h1')).toContain('express-session, annotated')
    const nav = await sidebar()
    const chapters = nav.filter((text) => /^\d\d\. /.test(text))
    const onDisk = fs
      .readdirSync(path.join(root, 'chapters'))
      .filter((name) => /^\d\d-/.test(name))
      .map((name) => name.slice(0, 2))
      .sort()
    expect(chapters.map((text) => text.slice(0, 2))).toEqual(onDisk)
    expect(nav).toEqual(expect.arrayContaining(['The chapters', 'Glossary', 'session']))
    if (shots) await page.screenshot({ path: path.join(shots, 'docs-landing.png') })
  })

  it('a chapter page shows its included code and draws its Mermaid diagrams', async () => {
    await page.goto(base + '/documents/04._The_request_flow.html')
    expect(await page.textContent('.tsd-panel.tsd-typography h1')).toContain('04 · The request flow')
    expect(await page.textContent('.tsd-panel.tsd-typography')).toContain(
      'function getcookie(req: SessionRequest, name: string, secrets: SecretKey[])'
    )
    await page.waitForSelector('html[data-mermaid="rendered"]', { timeout: 15_000 })
    // every mermaid block of the chapter's Markdown is drawn
    const chapter = fs.readFileSync(path.join(root, 'chapters/04-request-flow/README.md'), 'utf8')
    const diagrams = chapter.match(/^```mermaid$/gm)?.length ?? 0
    expect(diagrams).toBeGreaterThan(0)
    expect(await page.$$eval('div.mermaid svg', (svgs) => svgs.length)).toBe(diagrams)
    if (shots) await page.screenshot({ path: path.join(shots, 'docs-chapter.png') })
  })

  it("a chapter's link to a symbol opens its API page", async () => {
    await page.goto(base + '/documents/06._Store.html')
    await Promise.all([
      page.waitForURL(/variables\/index\.Store\.html$/),
      page.click('.tsd-panel.tsd-typography a:has(code:text-is("Store"))')
    ])
    expect(await page.textContent('h1')).toContain('Store')
  })

  it("the session function's page documents its options and shows an example", async () => {
    await page.goto(base + '/functions/index.session.html')
    expect(await page.textContent('h1')).toContain('session')
    const body = (await page.textContent('.col-content')) ?? ''
    expect(body).toContain('SessionOptions')
    expect(body).toContain('saveUninitialized: false')
    await sidebar()
    if (shots) await page.screenshot({ path: path.join(shots, 'docs-session.png') })
  })

  it('the search finds words from chapter text', async () => {
    await page.goto(base + '/index.html')
    await page.click('#tsd-search-trigger')
    await page.fill('#tsd-search-input', 'fixation')
    await page.waitForSelector('#tsd-search-results li a')
    const results = (await page.locator('#tsd-search-results li a').allTextContents()).map((text) => text.trim())
    expect(results.some((text) => /^\d\d\. /.test(text) || /login story|Expiry/i.test(text))).toBe(true)
  })
})
