/**
 * Reading Set-Cookie headers the way a browser would, for assertions.
 */
import type { Response } from 'supertest'

/** One Set-Cookie header taken apart; attribute names are lower-cased. */
export interface SetCookie {
  name: string
  value: string
  attributes: Record<string, string | true>
}

/** Every Set-Cookie header of a response, in order. */
export function setCookies(res: Response): string[] {
  const header = res.headers['set-cookie'] as string[] | string | undefined
  if (header === undefined) return []
  return Array.isArray(header) ? header : [header]
}

/** Parse one Set-Cookie header value. */
export function parseSetCookie(header: string): SetCookie {
  const [pair, ...rest] = header.split(/; */)
  const eq = pair.indexOf('=')
  const attributes: Record<string, string | true> = {}
  for (const part of rest) {
    const at = part.indexOf('=')
    if (at === -1) attributes[part.toLowerCase()] = true
    else attributes[part.slice(0, at).toLowerCase()] = part.slice(at + 1)
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes }
}

/** The first Set-Cookie of a response, parsed; `undefined` when there is none. */
export function sessionCookie(res: Response): SetCookie | undefined {
  const first = setCookies(res)[0]
  return first === undefined ? undefined : parseSetCookie(first)
}

/** The `name=value` pair a browser would send back for the response's first cookie. */
export function cookieHeader(res: Response): string {
  const parsed = sessionCookie(res)
  if (!parsed) throw new Error('the response set no cookie')
  return `${parsed.name}=${parsed.value}`
}

/**
 * A `name=value` Cookie header with the last character of its signature
 * changed: still well-formed, no longer valid. The change is made to the
 * decoded value, so it never cuts through a percent escape (`%2B`, `%2F`),
 * which would leave a value the cookie parser cannot decode at all.
 */
export function tamperedCookie(header: string): string {
  const eq = header.indexOf('=')
  const value = decodeURIComponent(header.slice(eq + 1))
  const changed = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A')
  return header.slice(0, eq + 1) + encodeURIComponent(changed)
}

/** The session id inside the response's signed session cookie (`s:<id>.<signature>`). */
export function sessionId(res: Response): string {
  const parsed = sessionCookie(res)
  if (!parsed) throw new Error('the response set no cookie')
  const value = decodeURIComponent(parsed.value)
  return value.slice(2, value.lastIndexOf('.'))
}
