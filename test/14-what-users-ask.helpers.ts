/**
 * Helpers shared by chapter 14's tests (this file holds no tests).
 */
import { EventEmitter } from 'node:events'
import type { NextFunction, Request, Response } from 'express'
import type { RedisIndexClient } from '../src/extras/log-out-everywhere.js'
import type { RedisLikeClient } from '../src/stores/redis-store.js'

/** An async route for `sessionApp`'s `respond`: a rejection goes to `next(err)`, as Express 5 does. */
export function route(
  handler: (req: Request, res: Response) => Promise<void>
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    handler(req, res).catch(next)
  }
}

/**
 * A stand-in for a node-redis client: strings and sorted sets in Maps, with
 * expiry times, and a log of the commands sent. Enough for RedisStore and
 * RedisSessionIndex.
 */
export class FakeRedis extends EventEmitter implements RedisLikeClient, RedisIndexClient {
  isReady = true
  strings = new Map<string, string>()
  sets = new Map<string, Map<string, number>>()
  /** Key → when it expires (milliseconds since 1970). */
  expiries = new Map<string, number>()
  commands: string[] = []

  #alive(key: string): boolean {
    const at = this.expiries.get(key)
    if (at !== undefined && at <= Date.now()) {
      this.strings.delete(key)
      this.sets.delete(key)
      this.expiries.delete(key)
    }
    return this.strings.has(key) || this.sets.has(key)
  }
  /** Log the command and answer it, as a promise (the stand-in never fails). */
  #answer<T>(command: string, reply: () => T): Promise<T> {
    this.commands.push(command)
    return Promise.resolve(reply())
  }
  get(key: string) {
    return this.#answer('GET', () => (this.#alive(key) ? (this.strings.get(key) ?? null) : null))
  }
  set(key: string, value: string, options: { EX: number }) {
    return this.#answer('SET', () => {
      this.strings.set(key, value)
      this.expiries.set(key, Date.now() + options.EX * 1000)
      return 'OK'
    })
  }
  del(keys: string | string[]) {
    return this.#answer('DEL', () => {
      let n = 0
      for (const key of [keys].flat()) if (this.strings.delete(key) || this.sets.delete(key)) n++
      return n
    })
  }
  expire(key: string, seconds: number) {
    return this.#answer('EXPIRE', () => {
      if (!this.#alive(key)) return 0
      this.expiries.set(key, Date.now() + seconds * 1000)
      return 1
    })
  }
  mGet(keys: string[]) {
    return this.#answer('MGET', () => keys.map((key) => (this.#alive(key) ? (this.strings.get(key) ?? null) : null)))
  }
  async *scanIterator(options: { MATCH: string; COUNT: number }) {
    const prefix = options.MATCH.replace(/\*$/, '')
    yield await this.#answer('SCAN', () =>
      [...this.strings.keys()].filter((key) => key.startsWith(prefix) && this.#alive(key))
    )
  }
  zAdd(key: string, member: { score: number; value: string }) {
    return this.#answer('ZADD', () => {
      if (!this.#alive(key)) this.sets.set(key, new Map())
      this.sets.get(key)?.set(member.value, member.score)
      return 1
    })
  }
  zRem(key: string, member: string) {
    return this.#answer('ZREM', () => (this.#alive(key) && this.sets.get(key)?.delete(member) ? 1 : 0))
  }
  zRangeByScore(key: string, min: number | string, max: number | string) {
    return this.#answer('ZRANGEBYSCORE', () => {
      if (!this.#alive(key)) return []
      const [lo, hi] = [bound(min), bound(max)]
      return [...(this.sets.get(key) ?? [])].filter(([, score]) => score >= lo && score <= hi).map(([sid]) => sid)
    })
  }
  zRemRangeByScore(key: string, min: number | string, max: number | string) {
    return this.#answer('ZREMRANGEBYSCORE', () => {
      const members = this.#alive(key) ? this.sets.get(key) : undefined
      if (!members) return 0
      const [lo, hi] = [bound(min), bound(max)]
      let n = 0
      for (const [sid, score] of members) if (score >= lo && score <= hi && members.delete(sid)) n++
      if (members.size === 0) this.sets.delete(key)
      return n
    })
  }
  pExpireAt(key: string, ms: number, mode: 'NX' | 'GT') {
    return this.#answer(`PEXPIREAT ${mode}`, () => {
      if (!this.#alive(key)) return 0
      const current = this.expiries.get(key)
      // as Redis does: NX only when there is no expiry; GT only when later (no expiry counts as infinite)
      if (mode === 'NX' ? current !== undefined : current === undefined || ms <= current) return 0
      this.expiries.set(key, ms)
      return 1
    })
  }
}

/** A score bound as Redis reads it: a number, or -inf / +inf. */
function bound(value: number | string): number {
  if (value === '-inf') return -Infinity
  if (value === '+inf') return Infinity
  return Number(value)
}
