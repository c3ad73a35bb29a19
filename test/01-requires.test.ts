/**
 * Chapter 01 — the requires: each dependency of src/index.ts, doing the one
 * job the middleware keeps it for.
 */
import { spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import http from 'node:http'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import cookie from 'cookie'
import signature from 'cookie-signature'
import depd from 'depd'
import onHeaders from 'on-headers'
import parseUrl from 'parseurl'
import { describe, expect, it, vi } from 'vitest'
import { serve } from './support/http.js'
import { implementations } from './support/implementations.js'

const root = fileURLToPath(new URL('..', import.meta.url))

describe('cookie 0.7', () => {
  it('parse reads a Cookie header into an object, the first of two equal names winning', () => {
    expect(cookie.parse('connect.sid=s%3Aa.b; theme=dark; connect.sid=later')).toEqual({
      'connect.sid': 's:a.b',
      theme: 'dark'
    })
  })

  it('parse keeps a value that is not valid percent-encoding as it came', () => {
    expect(cookie.parse('sid=%E0%A4%A')).toEqual({ sid: '%E0%A4%A' })
  })

  it('serialize writes the attributes in a fixed order', () => {
    const expires = new Date(Date.UTC(2030, 0, 1))
    expect(
      cookie.serialize('sid', 's:a b', {
        domain: 'x.org',
        path: '/',
        expires,
        httpOnly: true,
        secure: true,
        sameSite: 'lax',
        priority: 'high',
        partitioned: true
      })
    ).toBe(
      'sid=s%3Aa%20b; Domain=x.org; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=Lax'
    )
  })

  it('its error messages are the ones express-session passes to next(err) verbatim', () => {
    expect(() => cookie.serialize('sid', 'v', { expires: new Date(NaN) })).toThrow(
      new TypeError('option expires is invalid')
    )
  })
})

describe('cookie-signature', () => {
  it('sign appends a dot and the HMAC-SHA256 of the value, base64 without padding', () => {
    const mac = crypto.createHmac('sha256', 'keyboard cat').update('abc').digest('base64').replace(/=+$/, '')
    expect(signature.sign('abc', 'keyboard cat')).toBe(`abc.${mac}`)
  })

  it('unsign returns the value for the right secret and false for any other or a changed value', () => {
    const signed = signature.sign('abc', 'keyboard cat')
    expect([
      signature.unsign(signed, 'keyboard cat'),
      signature.unsign(signed, 'other'),
      signature.unsign('abd' + signed.slice(3), 'keyboard cat')
    ]).toEqual(['abc', false, false])
  })

  it('unsign compares with crypto.timingSafeEqual, so the time taken does not leak where a guess goes wrong', () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual')
    signature.unsign(signature.sign('abc', 's'), 's')
    expect(spy).toHaveBeenCalledTimes(1)
    spy.mockRestore()
  })
})

describe('node:crypto in place of uid-safe', () => {
  it('base64url of random bytes is exactly what uid-safe wrote: base64 with - for +, _ for / and no padding', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = crypto.randomBytes(24)
      const uidSafe = bytes.toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
      expect(bytes.toString('base64url')).toBe(uidSafe)
    }
  })

  it('24 random bytes make a 32-character id', () => {
    expect(crypto.randomBytes(24).toString('base64url')).toMatch(/^[A-Za-z0-9_-]{32}$/)
  })
})

describe('depd', () => {
  it('reports a deprecation once per place it is called from, naming the package', () => {
    const seen: string[] = []
    const listener = (err: Error & { namespace: string }) => seen.push(`${err.namespace}: ${err.message}`)
    process.on('deprecation', listener)
    const deprecate = depd('express-session')
    const callSite = () => deprecate('old option')
    callSite()
    callSite()
    process.off('deprecation', listener)
    expect(seen).toEqual(['express-session: old option'])
  })
})

describe('on-headers', () => {
  it('runs its listener once, just before the headers go out, where it can still add one', async () => {
    let calls = 0
    const { client } = await serve((_req, res) => {
      onHeaders(res, () => {
        calls++
        res.setHeader('X-Late', 'added')
      })
      res.write('a')
      res.end('b')
    })
    const res = await client.get('/').expect(200, 'ab')
    expect([res.headers['x-late'], calls]).toEqual(['added', 1])
  })
})

describe('parseurl', () => {
  it('original() parses the URL as it arrived, before a router cut off its mount path', () => {
    const req = { url: '/inner?a=1', originalUrl: '/mount/inner?a=1' } as unknown as http.IncomingMessage
    expect([parseUrl.original(req)?.pathname, parseUrl(req)?.pathname]).toEqual(['/mount/inner', '/inner'])
  })

  it('original() falls back to req.url when nothing set originalUrl', () => {
    expect(parseUrl.original({ url: '/plain' } as http.IncomingMessage)?.pathname).toBe('/plain')
  })
})

describe('debug', () => {
  it('DEBUG=express-session shows what the middleware decides', () => {
    const script = `
      import http from 'node:http'
      import session from './src/index.ts'
      const mw = session({ secret: 's', resave: false, saveUninitialized: false })
      const server = http.createServer((req, res) => mw(req, res, () => res.end())).listen(0, '127.0.0.1', async () => {
        await fetch('http://127.0.0.1:' + server.address().port + '/')
        server.close()
      })`
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DEBUG: 'express-session', DEBUG_COLORS: 'no' },
      timeout: 20_000
    })
    expect(result.stderr).toMatch(/express-session no SID sent, generating session/)
  })
})

describe('what the chapter says of the platform and of parseurl', () => {
  it("crypto.hash('sha1', …) gives the digest createHash('sha1') gives, which is what upstream computes", () => {
    const text = JSON.stringify({ views: 1, name: 'Zoë' })
    expect(crypto.hash('sha1', text, 'hex')).toBe(crypto.createHash('sha1').update(text, 'utf8').digest('hex'))
  })

  it('original() keeps .. and most of the path’s encoding as sent, where new URL() rewrites them', () => {
    const pathOf = (url: string) => [
      parseUrl.original({ url } as http.IncomingMessage)?.pathname,
      new URL(url, 'http://x').pathname
    ]
    expect(pathOf('/a/../b%2Fc')).toEqual(['/a/../b%2Fc', '/b%2Fc'])
    expect(pathOf('/ä b')).toEqual(['/ä%20b', '/%C3%A4%20b'])
  })
})

describe.each(implementations)('debug, as each implementation uses it ($name)', ({ name }) => {
  /** Load the implementation in a fresh process, optionally enable its debug namespace afterwards, serve one request; stderr. */
  function debugOutput(env: Record<string, string | undefined>, enableAfterLoad: boolean): string {
    const entry = name === 'ours' ? './src/index.ts' : 'express-session'
    const script = `
      const http = require('node:http')
      const path = require('node:path')
      const session = require(${JSON.stringify(entry)})
      // the copy of debug the implementation itself loads: ours 4.4.3, upstream's own 2.6.9
      const debug = require(require.resolve('debug', { paths: [path.dirname(require.resolve(${JSON.stringify(entry)}))] }))
      if (${enableAfterLoad}) debug.enable('express-session')
      const mw = session({ secret: 's', resave: false, saveUninitialized: false })
      const server = http.createServer((req, res) => mw(req, res, () => res.end())).listen(0, '127.0.0.1', async () => {
        await fetch('http://127.0.0.1:' + server.address().port + '/')
        server.close()
      })`
    // only ours, written in TypeScript, needs tsx
    const loader = name === 'ours' ? ['--import', 'tsx'] : []
    const result = spawnSync(process.execPath, [...loader, '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DEBUG_COLORS: 'no', ...env },
      timeout: 20_000
    })
    return result.stderr
  }

  it('decides when it loads: DEBUG set before shows the decisions, debug.enable() called after shows nothing', () => {
    expect(debugOutput({ DEBUG: 'express-session' }, false)).toMatch(/express-session no SID sent, generating session/)
    expect(debugOutput({ DEBUG: undefined }, true)).not.toMatch(/express-session/)
  })
})

describe('the two dependencies upstream has and we dropped', () => {
  const require = createRequire(import.meta.url)

  it('uid-safe 2.1.5, handed the same 24 bytes by crypto.randomBytes, writes the id toString("base64url") writes', () => {
    const uid = require('uid-safe') as { sync(length: number): string }
    const bytes = crypto.randomBytes(24)
    const spy = vi.spyOn(crypto, 'randomBytes').mockImplementation(() => bytes)
    try {
      expect(uid.sync(24)).toBe(bytes.toString('base64url'))
      expect(spy).toHaveBeenCalledWith(24)
    } finally {
      spy.mockRestore()
    }
  })

  it('safe-buffer 5.2.1 hands back the platform’s own Buffer on this Node.js', () => {
    expect((require('safe-buffer') as { Buffer: unknown }).Buffer).toBe(Buffer)
  })
})
