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

/** The session id inside the response's signed session cookie (`s:<id>.<signature>`). */
export function sessionId(res: Response): string {
  const parsed = sessionCookie(res)
  if (!parsed) throw new Error('the response set no cookie')
  const value = decodeURIComponent(parsed.value)
  return value.slice(2, value.lastIndexOf('.'))
}
