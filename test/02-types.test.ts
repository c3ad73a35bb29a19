/**
 * Chapter 02 — the types. The shape of the public types (checked by the
 * type check that `npm test` runs first: an `expectTypeOf` that no longer
 * holds fails the build); code written for `@types/express-session`
 * compiled against ours, installed as `express-session` (the consumer
 * fixture in consumer/, with the package names pointed at src/); and, on
 * both implementations, the run-time values behind each place where ours
 * is stricter than @types.
 */
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, expectTypeOf, it } from 'vitest'
import session, {
  Cookie,
  MemoryStore,
  Session,
  Store,
  type CookieConstructor,
  type CookieData,
  type CookieOptions,
  type CookiePriority,
  type CookieSameSite,
  type MemoryStoreConstructor,
  type SecretKey,
  type SessionCallback,
  type SessionConstructor,
  type SessionData,
  type SessionedRequest,
  type SessionMiddleware,
  type SessionOptions,
  type SessionRequest,
  type StoreConstructor,
  type StoredCookie
} from '../src/index.js'
import { implementations } from './support/implementations.js'
import { plainApp, sessionApp } from './support/apps.js'
import { sessionCookie } from './support/cookies.js'
import { viaCallback } from './support/stores.js'

const repo = fileURLToPath(new URL('..', import.meta.url))
const consumer = path.join(repo, 'consumer')

describe('the public types', () => {
  it('session() takes SessionOptions and returns a middleware that accepts any SessionRequest', () => {
    expectTypeOf(session).parameters.toEqualTypeOf<[options?: SessionOptions]>()
    expectTypeOf(session).returns.toEqualTypeOf<SessionMiddleware>()
    expectTypeOf<SessionMiddleware>().parameter(0).toEqualTypeOf<SessionRequest>()
    expectTypeOf<http.IncomingMessage>().toExtend<SessionRequest>()
    expectTypeOf<SessionOptions['secret']>().toEqualTypeOf<SecretKey | SecretKey[] | undefined>()
    expectTypeOf(session({ secret: 's', resave: false, saveUninitialized: false })).toBeFunction()
  })

  it('the session namespace names the same types as the named exports', () => {
    expectTypeOf<session.SessionOptions>().toEqualTypeOf<SessionOptions>()
    expectTypeOf<session.SessionData>().toEqualTypeOf<SessionData>()
    expectTypeOf<session.CookieOptions>().toEqualTypeOf<CookieOptions>()
    expectTypeOf<session.Cookie>().toEqualTypeOf<Cookie>()
    expectTypeOf<session.Session>().toEqualTypeOf<Session>()
    expectTypeOf<session.Store>().toEqualTypeOf<Store>()
    expectTypeOf<session.MemoryStore>().toEqualTypeOf<MemoryStore>()
    expectTypeOf(session.Store).toEqualTypeOf<StoreConstructor>()
    expectTypeOf(session.Cookie).toEqualTypeOf<CookieConstructor>()
    expectTypeOf(session.Session).toEqualTypeOf<SessionConstructor>()
    expectTypeOf(session.MemoryStore).toEqualTypeOf<MemoryStoreConstructor>()
  })

  it('the SameSite and Priority values are one named union each, wherever the attribute appears', () => {
    expectTypeOf<CookieSameSite>().toEqualTypeOf<boolean | 'lax' | 'strict' | 'none' | 'auto'>()
    expectTypeOf<CookiePriority>().toEqualTypeOf<'low' | 'medium' | 'high'>()
    expectTypeOf<CookieOptions['sameSite']>().toEqualTypeOf<CookieSameSite | undefined>()
    expectTypeOf<CookieData['sameSite']>().toEqualTypeOf<CookieSameSite | undefined>()
    expectTypeOf<StoredCookie['sameSite']>().toEqualTypeOf<CookieSameSite | undefined>()
    expectTypeOf<Cookie['priority']>().toEqualTypeOf<CookiePriority | undefined>()
    expectTypeOf<CookieData['priority']>().toEqualTypeOf<CookiePriority | undefined>()
  })

  it('a stored cookie holds expires as a Date or, after JSON, a string; a live Cookie always as a Date', () => {
    expectTypeOf<SessionData['cookie']>().toEqualTypeOf<StoredCookie>()
    expectTypeOf<StoredCookie['expires']>().toEqualTypeOf<string | Date | null | undefined>()
    expectTypeOf<Cookie['expires']>().toEqualTypeOf<Date | null | undefined>()
    expectTypeOf<Cookie>().toExtend<StoredCookie>()
    expectTypeOf({ originalMaxAge: null }).toExtend<StoredCookie>()
  })

  it('a store is handed SessionData or the Session itself, and gives back SessionData', () => {
    expectTypeOf<Parameters<Store['set']>[1]>().toEqualTypeOf<SessionData | Session>()
    expectTypeOf<Parameters<NonNullable<Store['touch']>>[1]>().toEqualTypeOf<SessionData | Session>()
    expectTypeOf<Parameters<Parameters<Store['get']>[1]>[1]>().toEqualTypeOf<SessionData | null | undefined>()
    expectTypeOf<Parameters<MemoryStore['set']>[1]>().toEqualTypeOf<SessionData | Session>()
  })

  it('a SessionedRequest has its session, id and store; a SessionRequest may have none of them', () => {
    expectTypeOf<SessionedRequest['session']>().toEqualTypeOf<Session & Partial<SessionData>>()
    expectTypeOf<SessionedRequest['sessionID']>().toEqualTypeOf<string>()
    expectTypeOf<SessionedRequest['sessionStore']>().toEqualTypeOf<Store>()
    expectTypeOf<SessionRequest['session']>().toEqualTypeOf<Session | null | undefined>()
    expectTypeOf<SessionRequest['sessionID']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<SessionedRequest>().toExtend<SessionRequest>()
  })

  it('cookie.maxAge reads as number | null | undefined, where @types/express-session says number | undefined', () => {
    expectTypeOf<Cookie['maxAge']>().toEqualTypeOf<number | null | undefined>()
    expectTypeOf<Cookie['originalMaxAge']>().toEqualTypeOf<number | null | undefined>()
    expectTypeOf<SessionedRequest['session']['cookie']['maxAge']>().toEqualTypeOf<number | null | undefined>()
  })

  it('the callbacks of Session and Store receive the error as unknown', () => {
    expectTypeOf<SessionCallback>().parameter(0).toEqualTypeOf<unknown>()
    expectTypeOf<Session['save']>().parameter(0).toEqualTypeOf<SessionCallback | undefined>()
    expectTypeOf<Parameters<Store['get']>[1]>().parameter(0).toEqualTypeOf<unknown>()
  })
})

/** The package names pointed at src/, as consumer/tsconfig.json points them for editors. */
const paths = {
  'express-session': ['src/index.ts'],
  'express-session-annotated': ['src/index.ts'],
  'express-session-annotated/*': ['src/*.ts']
}

/** A consumer tsconfig's file list and options. */
function configOf(name: string): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(consumer, name), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    }
  })
  if (!parsed) throw new Error(`cannot read ${name}`)
  return parsed
}

/** One diagnostic as `file:line TScode message`, the file relative to the repository. */
function format(d: ts.Diagnostic): string {
  const where = d.file
    ? `${path.relative(repo, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
    : '(options)'
  return `${where} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`
}

/**
 * Compile `files` with `options`, the package names resolved to src/, and
 * return the diagnostics of those files only: src/ itself is compiled with
 * the package's own settings, not the application's. `edit` may rewrite a
 * file's text on the way in.
 */
function compile(files: string[], options: ts.CompilerOptions, edit?: (file: string, text: string) => string) {
  const settings = { ...options, noEmit: true, baseUrl: repo, paths, rootDir: undefined, outDir: undefined }
  const host = ts.createCompilerHost(settings)
  const read = host.readFile.bind(host)
  host.readFile = (file) => {
    const text = read(file)
    return text !== undefined && edit ? edit(path.resolve(file), text) : text
  }
  host.getSourceFile = (fileName, languageVersionOrOptions) => {
    const text = host.readFile(fileName)
    return text === undefined ? undefined : parsedOnce(fileName, text, languageVersionOrOptions)
  }
  const program = ts.createProgram(files, settings, host)
  return files.flatMap((file) => {
    const source = program.getSourceFile(file)
    if (!source) throw new Error(`${file} is not in the program`)
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
  })
}

/** Source files parsed so far, shared by the programs below: most of each program is the same declaration files. */
const parsed = new Map<string, ts.SourceFile>()

/**
 * A file parsed once per text and per way of parsing it (language version,
 * module format): a parsed file holds nothing of the program that asked
 * for it, which is how TypeScript's own language service shares them.
 */
function parsedOnce(fileName: string, text: string, how: ts.ScriptTarget | ts.CreateSourceFileOptions): ts.SourceFile {
  const options = typeof how === 'object' ? how : { languageVersion: how }
  const key = `${fileName}|${options.languageVersion}|${options.impliedNodeFormat}`
  const known = parsed.get(key)
  if (known?.text === text) return known
  const source = ts.createSourceFile(fileName, text, how)
  parsed.set(key, source)
  return source
}

/** A `@ts-expect-error TSnnnn -- reason` line in consumer/stricter.ts. */
const directive = /^\s*\/\/ @ts-expect-error TS(\d+) -- /

const stricter = path.join(consumer, 'stricter.ts')

/**
 * The fixture app (tsconfig.app.json's files), compiled once for two tests,
 * with each directive in stricter.ts turned into a plain comment so that the
 * error under it is reported; `expected` lists those errors as
 * `file:line TScode`.
 */
const application = lazily(() => {
  const app = configOf('tsconfig.app.json')
  const expected: string[] = []
  const edit = (file: string, text: string) => {
    if (file !== stricter) return text
    return text
      .split('\n')
      .map((line, i) => {
        const match = directive.exec(line)
        if (!match) return line
        expected.push(`consumer/stricter.ts:${i + 2} TS${match[1]}`)
        return line.replace('@ts-expect-error', 'expected:')
      })
      .join('\n')
  }
  return { files: app.fileNames, diagnostics: compile(app.fileNames, app.options, edit), expected }
})

/** Compute a value the first time it is asked for. */
function lazily<T>(make: () => T): () => T {
  let made: { value: T } | undefined
  return () => (made ??= { value: make() }).value
}

describe('code written for @types/express-session compiles against ours, installed as express-session', () => {
  it("an application's idioms: options, the session namespace, module augmentation, stores with @types' signatures, every req.session method", () => {
    const { files, diagnostics } = application()
    expect(files.map((f) => path.basename(f))).toContain('idioms.ts')
    expect(diagnostics.filter((d) => d.file?.fileName !== stricter).map(format)).toEqual([])
  }, 60_000)

  it("a store package's idioms: partial cookie data in set and touch, a Cookie in the data, stored data read back, connect-redis's store", () => {
    const stores = configOf('tsconfig.stores.json')
    expect(compile(stores.fileNames, stores.options).map(format)).toEqual([])
  }, 60_000)

  it("connect-redis 9's own source and tests compile against ours, with its own compiler options", () => {
    const own = configOf('tsconfig.connect-redis.json')
    const dir = path.join(repo, 'node_modules', 'connect-redis')
    const files = [path.join(dir, 'index.ts'), path.join(dir, 'index_test.ts')]
    // the tests import a Redis server helper that the npm package does not ship
    const missingHelper = (d: ts.Diagnostic) =>
      d.code === 2307 && ts.flattenDiagnosticMessageText(d.messageText, ' ').includes('./testdata/server')
    const found = compile(files, own.options)
    expect(found.filter(missingHelper)).toHaveLength(1)
    expect(found.filter((d) => !missingHelper(d)).map(format)).toEqual([])
  }, 60_000)

  it('where ours is stricter, each refused line reports exactly the error its comment names', () => {
    const { diagnostics, expected } = application()
    const found = diagnostics.filter((d) => d.file?.fileName === stricter)
    expect(expected.length).toBeGreaterThanOrEqual(6)
    expect(found.map((d) => format(d).split(' ').slice(0, 2).join(' '))).toEqual(expected)
  }, 60_000)
})

describe.each(implementations)('the values behind the stricter types ($name)', ({ session }) => {
  it('without a maxAge, req.session.cookie.maxAge is null, which a type of number | undefined would hide', async () => {
    const { client } = await sessionApp(
      session,
      { cookie: {} },
      {
        respond: (req, res) => {
          // what code written against @types/express-session believes it has
          const left = req.session.cookie.maxAge as number | undefined
          res.json({
            maxAge: left,
            originalMaxAge: req.session.cookie.originalMaxAge,
            expiresSoon: left !== undefined && left < 60_000
          })
        }
      }
    )
    expect((await client.get('/')).body).toEqual({ maxAge: null, originalMaxAge: null, expiresSoon: true })
  })

  it('with maxAge: undefined, maxAge and originalMaxAge are undefined', async () => {
    const { client } = await sessionApp(
      session,
      { cookie: { maxAge: undefined } },
      {
        respond: (req, res) => {
          res.json({
            maxAge: req.session.cookie.maxAge === undefined,
            originalMaxAge: req.session.cookie.originalMaxAge === undefined
          })
        }
      }
    )
    expect((await client.get('/')).body).toEqual({ maxAge: true, originalMaxAge: true })
  })

  it('what a store gives back holds cookie.expires as a string', async () => {
    const store = new session.MemoryStore()
    const cookie = new session.Cookie({ maxAge: 60_000 })
    // (Partial: in this repository's program SessionData also carries the demo's and test 02's fields)
    await viaCallback((cb) => store.set('sid', { cookie } as Partial<SessionData> as SessionData, cb))
    const stored = await viaCallback<SessionData | null>((cb) => store.get('sid', cb))
    expect(typeof cookie.expires).toBe('object')
    expect(typeof stored?.cookie.expires).toBe('string')
    expect(stored?.cookie.expires).toBe((cookie.expires as Date).toISOString())
  })

  it('the cookie options signed and encode change nothing: the cookie is signed and encoded as always', async () => {
    const ignored = { signed: false, encode: () => 'not-the-id' } as CookieOptions
    const { client } = await sessionApp(session, { cookie: { maxAge: 60_000, ...ignored } })
    const value = sessionCookie(await client.get('/'))?.value
    expect(value).toMatch(/^s%3A[\w-]{32}\.[\w%]+$/)
  })

  it('a store error reaches the callback as the store gave it, which need not be an Error', async () => {
    const store = new session.MemoryStore()
    store.set = (_sid, _sess, callback) => callback?.('disk full')
    const { client } = await sessionApp(
      session,
      { store },
      {
        respond: (req, res) => {
          req.session.save((err) => res.json({ type: typeof err, err }))
        }
      }
    )
    expect((await client.get('/')).body).toEqual({ type: 'string', err: 'disk full' })
  })

  it('genid is called without a this', async () => {
    const receivers: unknown[] = []
    const { client } = await sessionApp(session, {
      genid: function (this: unknown) {
        receivers.push(this)
        return 'an-id'
      }
    })
    await client.get('/').expect(200)
    expect(receivers).toEqual([undefined])
  })

  it('under plain node:http, cookie(req) is given a request with none of Express’s fields', async () => {
    const seen: string[] = []
    const { client } = await plainApp(
      session,
      {
        cookie: (req) => {
          seen.push(['hostname', 'ip', 'protocol'].filter((key) => key in req).join(','))
          return { maxAge: 60_000 }
        }
      },
      (_req, res) => res.end()
    )
    await client.get('/').expect(200)
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every((keys) => keys === '')).toBe(true)
  })
})
