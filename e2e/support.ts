/**
 * Helpers for the browser tests: Debian's Chromium driven by playwright-core.
 * (The companion app as a real process is test/support/processes.ts.)
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

/**
 * How Chromium runs here: headless, without its sandbox (a container or a CI
 * machine rarely allows it) and without a GPU; and without QUIC, the
 * first-run page, background traffic, component updates or sync, so that the
 * browser talks to the test's servers on 127.0.0.1 and to nothing else.
 */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/** Where Debian puts Chromium; CHROMIUM_PATH overrides it. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Launch Chromium with a fresh, empty profile (playwright passes it as --user-data-dir). */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(
      `No Chromium at ${chromiumPath}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`
    )
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-profile-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    args: CHROMIUM_FLAGS,
    headless: true
  })
  return {
    context,
    close: async () => {
      await context.close()
      fs.rmSync(profile, { recursive: true, force: true })
    }
  }
}
