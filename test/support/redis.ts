/**
 * A stand-in for a node-redis 5 client, for the tests of RedisStore and of
 * the Redis session index that need no redis-server: strings and sorted
 * sets in Maps, with expiry times, a log of the commands sent, and a switch
 * that makes every command fail.
 */
import { EventEmitter } from 'node:events'
import type { RedisIndexClient } from '../../src/extras/log-out-everywhere.js'
import type { RedisLikeClient } from '../../src/stores/redis-store.js'

/** The `connect` and `disconnect` events a store emits from now on, in order. */
export function readinessEvents(store: EventEmitter): string[] {
  const events: string[] = []
  for (const event of ['connect', 'disconnect']) store.on(event, () => events.push(event))
  return events
}

/** The stand-in client. */
export class FakeRedis extends EventEmitter implements RedisLikeClient, RedisIndexClient {
  isReady = true
  strings = new Map<string, string>()
  sets = new Map<string, Map<string, number>>()
  /** Key → when it expires (milliseconds since 1970). */
  expiries = new Map<string, number>()
  /** Every command sent, by its Redis name (`GET`, `SET`, `SCAN`…), in order. */
  commands: string[] = []
  /** While set, every command is logged and then rejected with this error. */
  failing: Error | undefined

  /** Seconds until `key` expires, rounded as Redis's TTL rounds; `undefined` for a key without expiry. */
  ttl(key: string): number | undefined {
    const at = this.expiries.get(key)
    return at === undefined ? undefined : Math.round((at - Date.now()) / 1000)
  }

  #alive(key: string): boolean {
    const at = this.expiries.get(key)
    if (at !== undefined && at <= Date.now()) {
      this.strings.delete(key)
      this.sets.delete(key)
      this.expiries.delete(key)
    }
    return this.strings.has(key) || this.sets.has(key)
  }
  /** Log the command and answer it, as a promise: its reply, or the `failing` error. */
  #answer<T>(command: string, reply: () => T): Promise<T> {
    this.commands.push(command)
    return this.failing ? Promise.reject(this.failing) : Promise.resolve(reply())
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
  /** SCAN: the keys that MATCH's glob pattern matches, COUNT keys a page. */
  async *scanIterator(options: { MATCH: string; COUNT: number }) {
    const keys = await this.#answer('SCAN', () =>
      [...this.strings.keys()].filter((key) => globToRegExp(options.MATCH).test(key) && this.#alive(key))
    )
    for (let i = 0; i < keys.length; i += options.COUNT) yield keys.slice(i, i + options.COUNT)
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

/**
 * A SCAN pattern as a regular expression, read as Redis reads it: `*` any
 * run of characters, `?` one character, `[…]` one of a set (`[^…]` none of
 * it), and `\` making the next character itself.
 */
function globToRegExp(glob: string): RegExp {
  const literal = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  let body = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    const close = c === '[' ? glob.indexOf(']', i + 2) : -1
    if (c === '\\' && i + 1 < glob.length) body += literal(glob[++i])
    else if (c === '*') body += '.*'
    else if (c === '?') body += '.'
    else if (close !== -1) {
      const set = glob.slice(i + 1, close)
      body += (set.startsWith('^') ? '[^' + literal(set.slice(1)) : '[' + literal(set)) + ']'
      i = close
    } else body += literal(c)
  }
  return new RegExp('^' + body + '$')
}

/** A score bound as Redis reads it: a number, or -inf / +inf. */
function bound(value: number | string): number {
  if (value === '-inf') return -Infinity
  if (value === '+inf') return Infinity
  return Number(value)
}
