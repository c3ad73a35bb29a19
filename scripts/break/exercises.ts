/**
 * The break-it exercises, chapter by chapter: each one small change to the
 * library, the words for it, and the tests the chapter says will fail.
 * `npm run break -- <id>` makes one; `npm run test:break` makes them all and
 * checks the predictions; test/break.test.ts checks that each one's code is
 * still in the source, exactly once, and that each chapter's answer names
 * the same tests.
 */
import type { Exercise } from './exercise.js'

/** Every exercise, in chapter order. */
export const exercises: Exercise[] = [
  // 03 · session(options)
  {
    id: '03-key-ignored',
    file: 'src/index.ts',
    find: "const name = opts.name || opts.key || 'connect.sid'",
    replace: "const name = opts.name || 'connect.sid'",
    description: 'the old key option no longer names the cookie',
    fails: ['the old key option names the cookie when name is absent']
  },
  {
    id: '03-resave-defaults-to-false',
    file: 'src/index.ts',
    find: "deprecate('undefined resave option; provide resave option')\n    resaveSession = true",
    replace: "deprecate('undefined resave option; provide resave option')\n    resaveSession = false",
    description: 'a missing resave option defaults to false instead of true',
    fails: ['leaving out resave warns and behaves as resave: true']
  },
  {
    id: '03-empty-secret-array-accepted',
    file: 'src/index.ts',
    find: 'if (Array.isArray(secret) && secret.length === 0) {',
    replace: 'if (Array.isArray(secret) && secret.length < 0) {',
    description: 'an empty array of secrets no longer throws',
    fails: ['an empty secret array throws']
  },
  // 04 · the request flow
  {
    id: '04-path-check-flipped',
    file: 'src/index.ts',
    find: "if (originalPath.indexOf(resolvedCookieOptions.path || '/') !== 0) {",
    replace: "if (originalPath.indexOf(resolvedCookieOptions.path || '/') > 0) {",
    description: 'the cookie-path check only refuses a path found later in the URL, not one missing from it',
    fails: [
      'a request outside the cookie path gets no session',
      "a cookie(req) function's path keeps requests outside it from getting a session",
      'says why a request got no session: a disconnected store, or a path outside the cookie',
      'OPTIONS * lies outside even the default cookie path /: no session, no cookie'
    ]
  },
  {
    id: '04-mounted-url',
    file: 'src/index.ts',
    find: 'parseUrl.original(req)',
    replace: 'parseUrl(req)',
    description: 'the path check reads the URL a mounted router sees, not the original',
    fails: ['the original URL counts, not the one a mounted router sees']
  },
  {
    id: '04-enoent-is-an-error',
    file: 'src/index.ts',
    find: "if (err && (err as NodeJS.ErrnoException).code !== 'ENOENT') {",
    replace: 'if (err) {',
    description: 'an ENOENT from the store fails the request instead of starting a new session',
    fails: [
      'an ENOENT error from get counts as "no such session"',
      'session-file-store 1.5.0 answers get for a missing session with the ENOENT of the missing file'
    ]
  },
  {
    id: '04-only-first-secret',
    file: 'src/index.ts',
    find: 'for (let i = 0; i < secrets.length; i++) {',
    replace: 'for (let i = 0; i < 1; i++) {',
    description: 'unsigncookie tries only the first secret of the array',
    fails: ['with an array of secrets, a cookie signed by any of them is accepted']
  },
  {
    id: '04-disconnected-store-ignored',
    file: 'src/index.ts',
    find: "if (!storeReady) {\n      debug('store is disconnected')",
    replace: "if (false) {\n      debug('store is disconnected')",
    description: 'the middleware no longer checks whether the store is connected',
    fails: [
      'a disconnected store means no session at all',
      'sessions come back when the store reconnects',
      'says why a request got no session: a disconnected store, or a path outside the cookie'
    ]
  },
  {
    id: '04-second-session-middleware',
    file: 'src/index.ts',
    find: '    if (req.session) {\n      next()',
    replace: '    if (false) {\n      next()',
    description: 'a second session middleware no longer steps aside for the first',
    fails: ['a request that already has a session passes through untouched']
  },
  // 05 · the end of the response
  {
    id: '05-modified-ignores-id',
    file: 'src/index.ts',
    find: 'return originalId !== sess.id || originalHash !== hash(sess)',
    replace: 'return originalHash !== hash(sess)',
    description: 'isModified compares only the data, not the id: a new id with the same data looks unchanged',
    fails: ['a regenerated session is stored and sent even when it holds nothing']
  },
  {
    id: '05-rolling-ignored',
    file: 'src/index.ts',
    find: ': rollingSessions || (',
    replace: ': (',
    description: 'shouldSetCookie forgets the rolling option',
    fails: [
      'with rolling, every response carries the cookie',
      'with maxAge, rolling, resave, a store with touch: a read moves both expiries (set); so does a change',
      'with maxAge, rolling, resave, a store without touch: a read moves both expiries (set); so does a change',
      'with maxAge, rolling, no resave, a store with touch: a read moves both expiries (touch); so does a change',
      "with maxAge, rolling, no resave, a store without touch: a read moves only the browser's expiry; a change moves both",
      'with rolling, a cookie sent by writeHead already carries the renewed expiry'
    ]
  },
  {
    id: '05-secure-over-http',
    file: 'src/index.ts',
    find: 'if (req.session.cookie.secure && !issecure(req, trustProxy)) {',
    replace: 'if (false) {',
    description: 'a Secure cookie is sent even over plain HTTP',
    fails: [
      'a Secure cookie is not sent over plain HTTP',
      'with proxy: true, only the first X-Forwarded-Proto hop counts, case and spaces aside',
      "with proxy: false, neither X-Forwarded-Proto nor Express's req.secure is trusted",
      "with proxy unset, Express's trust proxy setting decides through req.secure",
      'says when a Secure cookie is held back over plain HTTP'
    ]
  },
  {
    id: '05-no-last-byte-held-back',
    file: 'src/index.ts',
    find: 'if (!isNaN(contentLength) && contentLength > 0) {',
    replace: 'if (!isNaN(contentLength) && contentLength < 0) {',
    description: 'the res.end proxy writes the whole body before the store has answered',
    fails: [
      'the headers and all but the last byte go out before a slow save; the last byte waits for it',
      'says when a session is saved, and the Set-Cookie it writes, and when a body is split to wait for the store'
    ]
  },
  {
    id: '05-cookies-replaced',
    file: 'src/index.ts',
    find: 'const header = Array.isArray(prev) ? prev.concat(data) : [prev, data]',
    replace: 'const header = [data]',
    description: 'setcookie replaces the Set-Cookie headers the route set instead of adding to them',
    fails: [
      'cookies the route set with setHeader are kept beside the session cookie',
      'a single cookie string set by the route is kept too',
      'cookies passed to writeHead are kept beside the session cookie'
    ]
  },
  {
    id: '05-unset-always-destroys',
    file: 'src/index.ts',
    find: 'return req.sessionID && unsetDestroy && req.session == null',
    replace: 'return req.sessionID && req.session == null',
    description: 'shouldDestroy ignores the unset option: a session set to null is always destroyed',
    fails: [
      'by default ("keep") a session set to null stays in the store',
      'says when a session is destroyed, and when the response has no session'
    ]
  },
  // 06 · Store
  {
    id: '06-regenerate-calls-back-first',
    file: 'src/session/store.ts',
    find: '    self.generate(req)\n    fn(err)',
    replace: '    fn(err)\n    self.generate(req)',
    description: 'regenerate calls back before it has generated the new session',
    fails: [
      'regenerates through the inherited regenerate()',
      'destroys the old id, then generates a new session, then calls back'
    ]
  },
  {
    id: '06-expires-left-a-string',
    file: 'src/session/store.ts',
    find: "  if (typeof expires === 'string') {",
    replace: "  if (typeof expires === 'number') {",
    description: 'createSession leaves a stored expiry as the string JSON made of it',
    fails: [
      'builds a Session, with a real Cookie, from stored data',
      'turns a stored expires string back into a Date and keeps originalMaxAge',
      'a session from load() can touch and resetMaxAge: its expiry restarts at the stored originalMaxAge'
    ]
  },
  {
    id: '06-original-max-age-recomputed',
    file: 'src/session/store.ts',
    find: '  sess.cookie.originalMaxAge = originalMaxAge\n',
    replace: '',
    description: 'createSession keeps the originalMaxAge recomputed from the time left',
    fails: [
      'turns a stored expires string back into a Date and keeps originalMaxAge',
      'keeps originalMaxAge across requests even as time passes',
      'a session from load() can touch and resetMaxAge: its expiry restarts at the stored originalMaxAge',
      'after the next touch the cookie has no expiry: the browser is sent nothing new without rolling, a cookie without Expires with it'
    ]
  },
  // 07 · Cookie
  {
    id: '07-data-option-copied',
    file: 'src/session/cookie.ts',
    find: "if (key !== 'data') {",
    replace: 'if (true) {',
    description: 'the constructor copies an option called data too',
    fails: ['takes every option given, except one called data']
  },
  {
    id: '07-original-max-age-overwritten',
    file: 'src/session/cookie.ts',
    find: 'if (this.originalMaxAge === undefined || this.originalMaxAge === null) {',
    replace: 'if (true) {',
    description: 'the constructor overwrites an originalMaxAge it was given',
    fails: [
      'an explicit originalMaxAge option is kept',
      'an originalMaxAge option listed before maxAge is overwritten by it; listed after, it is kept'
    ]
  },
  {
    id: '07-max-age-accepts-anything',
    file: 'src/session/cookie.ts',
    find: "if (ms && typeof ms !== 'number' && !(ms instanceof Date)) {",
    replace: 'if (false) {',
    description: 'the maxAge setter no longer refuses a value that is neither a number nor a Date',
    fails: ['maxAge refuses a value that is neither a number nor a Date']
  },
  // 08 · Session
  {
    id: '08-destroy-keeps-req-session',
    file: 'src/session/session.ts',
    find: '  delete this.req.session\n',
    replace: '',
    description: 'destroy() leaves the session on the request',
    fails: [
      'removes the session from the request and the store, and sends no cookie',
      'a cookie of a destroyed session starts a new one'
    ]
  },
  {
    id: '08-touch-does-nothing',
    file: 'src/session/session.ts',
    find: '  return this.resetMaxAge()',
    replace: '  return this',
    description: "touch() no longer restarts the cookie's clock",
    fails: [
      'touch() moves expires forward to now + originalMaxAge',
      'a request that only touches its session pushes the stored expiry forward'
    ]
  },
  {
    id: '08-id-enumerable',
    file: 'src/session/session.ts',
    find: "Object.defineProperty(this, 'id', { value: req.sessionID })",
    replace: "Object.defineProperty(this, 'id', { value: req.sessionID, enumerable: true })",
    description: "a session's id becomes an enumerable property, like its data",
    fails: [
      'only the data and the cookie are enumerable',
      'id and req are there but hidden, so JSON leaves them out',
      'data that is not an object adds nothing to a new Session'
    ]
  },
  // 09 · MemoryStore
  {
    id: '09-get-calls-back-at-once',
    file: 'src/session/memory.ts',
    find: 'defer(callback, null, getSession.call(this, sessionId))',
    replace: 'callback(null, getSession.call(this, sessionId))',
    description: 'get calls back during the call instead of later',
    fails: ['every callback comes later, never during the call']
  },
  {
    id: '09-expired-kept',
    file: 'src/session/memory.ts',
    find: '      delete this.sessions[sessionId]\n      return\n',
    replace: '      return\n',
    description: 'an expired session reads as missing but stays in memory',
    fails: [
      'an expired session reads as undefined and is removed on that read',
      'all returns the live sessions by id, and drops the expired ones it meets',
      'a session whose expiry is this very millisecond reads as gone',
      'touch on an expired session removes it instead of renewing it'
    ]
  },
  {
    id: '09-sessions-inherit-object',
    file: 'src/session/memory.ts',
    find: '  Store.call(this)\n  this.sessions = Object.create(null)',
    replace: '  Store.call(this)\n  this.sessions = {}',
    description: 'the sessions object inherits from Object.prototype',
    fails: ['ids that name Object.prototype members are ordinary ids']
  },
  // 10 · FileStore
  {
    id: '10-dot-files-accepted',
    file: 'src/stores/file-store.ts',
    find: 'const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/',
    replace: 'const SAFE_ID = /^[A-Za-z0-9_.-][A-Za-z0-9_.-]{0,199}$/',
    description: 'a session id may start with a dot',
    fails: [
      'refuses ".hidden" for get, set, destroy and touch without touching the disk',
      'refuses ".." for get, set, destroy and touch without touching the disk',
      'refuses "." for get, set, destroy and touch without touching the disk'
    ]
  },
  {
    id: '10-destroy-missing-is-an-error',
    file: 'src/stores/file-store.ts',
    find: 'if (err) return callback?.(ignoreMissing(err))',
    replace: 'if (err) return callback?.(err)',
    description: 'destroying a session whose file is missing reports ENOENT',
    fails: [
      'destroy of a missing session is not an error; touch of one does not create it',
      'the login is saved before the redirect leaves, so a browser that follows it at once is known',
      'a login survives a restart of the app on the same folder',
      '/inspect.json takes the cookie apart and verifies its signature'
    ]
  },
  {
    id: '10-touch-rewrites-data',
    file: 'src/stores/file-store.ts',
    find: 'fs.utimes(file, new Date(), new Date(expires), (err) => callback?.(ignoreMissing(err)))',
    replace: 'this.set(sid, session, callback)',
    description: "FileStore's touch writes the session it is given over the stored one",
    fails: [
      'destroy of a missing session is not an error; touch of one does not create it',
      "touch moves the file's modification time to the new expiry and leaves its bytes as they were",
      'a save and a touch of the same session at the same moment, 300 times: the save is never undone',
      'a visit and a read-only request of one session at the same moment, 200 times: no visit is lost',
      'touch without a callback finishes, and throws nothing as it does',
      'touch without a callback moves the expiry into the modification time',
      'a touch between the read and the removal moves the expiry on, and the session survives'
    ]
  },
  // 11 · Security
  {
    id: '11-any-signature',
    file: 'src/index.ts',
    find: 'const result = signature.unsign(val, secrets[i])',
    replace: "const result = val.slice(0, val.lastIndexOf('.'))",
    description: 'unsigncookie accepts any signature',
    fails: [
      'a tampered signature is refused: a new session with a new id, and the store is never asked',
      'a cookie signed with another secret is refused',
      'the signature check runs in constant time: cookie-signature compares with crypto.timingSafeEqual',
      'a secret retired from the array opens nothing',
      '1,000 generated Cookie headers: never a 5xx, never a crash, never a session the store did not hold for a correctly signed id',
      'generated session ids and signatures: only the exact signature of a stored id opens it',
      'a secret array that holds undefined (an unset environment variable) answers a tampered cookie with a 500: "Secret key must be provided."',
      "the checklist's secrets leave out an unset old secret: a tampered cookie gets a new session, and an old cookie opens its session while the old secret is set"
    ]
  },
  {
    id: '11-regenerate-without-generate',
    file: 'src/session/store.ts',
    find: '    self.generate(req)\n',
    replace: '',
    description: 'regenerate destroys the old session but makes no new one',
    fails: ['with regenerate at login, the planted id is worthless']
  },
  {
    id: '11-destroy-keeps-record',
    file: 'src/session/session.ts',
    find: ';(this.req.sessionStore as Store).destroy(this.id, fn)',
    replace: 'if (fn) setImmediate(fn)',
    description: 'destroy() forgets the session on the request but leaves it in the store',
    fails: ['a cookie stolen before logout is dead after it']
  },
  {
    id: '11-memory-store-never-expires',
    file: 'src/session/memory.ts',
    find: 'if (expires && expires.valueOf() <= Date.now()) {',
    replace: 'if (false) {',
    description: 'MemoryStore no longer checks a stored session for expiry',
    fails: ['an expired session is dead, whatever the client still sends']
  },
  {
    id: '11-always-secure',
    file: 'src/index.ts',
    find: '.encrypted) {',
    replace: '.encrypted || true) {',
    description: 'issecure says every request came over HTTPS',
    fails: [
      'a Secure cookie never goes out over plain HTTP, whatever X-Forwarded-Proto claims, unless the proxy is trusted',
      "behind a proxy, Express's trust proxy setting is what lets the cookie out"
    ]
  },
  {
    id: '11-httponly-off-by-default',
    file: 'src/session/cookie.ts',
    find: '  this.httpOnly = true\n',
    replace: '  this.httpOnly = false\n',
    description: 'a new cookie is not HttpOnly unless asked',
    fails: ['the cookie carries HttpOnly by default and the SameSite it is given']
  },
  {
    id: '11-guard-adds-touch',
    file: 'src/stores/guarded-store.ts',
    find: "    if (typeof original !== 'function') continue\n",
    replace: '',
    description: 'guardStore wraps a method the store does not have, so a store without touch gains one',
    fails: ['a guarded store keeps its EventEmitter, its other methods, and its absence of touch']
  },
  // 13 · Scaling out
  {
    id: '13-glob-prefix-unescaped',
    file: 'src/stores/redis-store.ts',
    find: "const pattern = this.prefix.replace(/[*?[\\]\\\\]/g, '\\\\$&') + '*'",
    replace: "const pattern = this.prefix + '*'",
    description: "RedisStore's SCAN pattern no longer escapes glob characters in the prefix",
    fails: ['all, length and clear use SCAN, page by page, and keep to the prefix even when it holds glob characters']
  },
  {
    id: '13-touch-rewrites',
    file: 'src/stores/redis-store.ts',
    find: 'this.#client.expire(this.prefix + sid, Math.max(1, this.#ttlOf(session))).then(() => done(), done)',
    replace: 'this.set(sid, session, callback)',
    description: "RedisStore's touch rewrites the whole session instead of moving its expiry",
    fails: [
      'an expired session is deleted, not stored; touch only moves the expiry',
      'callbacks are optional',
      'set, touch and destroy without a callback do their work and throw nothing, also when Redis fails'
    ]
  },
  {
    id: '13-ttl-in-milliseconds',
    file: 'src/stores/redis-store.ts',
    find: 'Math.ceil((expires - Date.now()) / 1000)',
    replace: 'Math.ceil(expires - Date.now())',
    description: 'RedisStore gives Redis the time left in milliseconds where it expects seconds',
    fails: [
      'keeps each session as JSON under prefix + id, expiring with its cookie',
      'an expired session is deleted, not stored; touch only moves the expiry'
    ]
  }
]
