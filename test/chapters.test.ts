/**
 * The book stays true: every included block matches its region, every
 * library line is in a region that some chapter shows, every chapter has
 * its parts, every test a chapter quotes exists, and every try.ts runs and
 * prints what its chapter says it prints.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  dedent,
  fenceFor,
  parseInclusions,
  parseRegions,
  repositoryLayout,
  rewrite,
  sync,
  type Region
} from '../scripts/chapters.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const run = promisify(execFile)
const chapterDirs = fs
  .readdirSync(path.join(root, 'chapters'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && /^\d\d-/.test(entry.name))
  .map((entry) => entry.name)
  .sort()

describe('the region tool', () => {
  it('dedent removes the shared indentation and the blank lines around the code', () => {
    expect(dedent(['', '    a', '      b', '', '    c', '  '])).toBe('a\n  b\n\nc')
  })

  it('parseRegions finds named regions and leaves the markers out', () => {
    const { regions, problems } = parseRegions(
      'f.ts',
      '// #region one\nconst a = 1\n// #endregion one\n\n  // #region two-b\n  b()\n  // #endregion two-b\n',
      true
    )
    expect(problems).toEqual([])
    expect(regions.map((r) => [r.name, r.code, r.start, r.end])).toEqual([
      ['one', 'const a = 1', 1, 3],
      ['two-b', 'b()', 5, 7]
    ])
  })

  it('parseRegions reports nesting, bad names, duplicates, strays, mismatches and unclosed regions', () => {
    const text = [
      'stray()',
      '// #region a',
      '// #region b',
      '// #endregion b',
      '// #endregion a',
      '// #region Bad_Name',
      '// #endregion Bad_Name',
      '// #region a',
      '// #endregion c',
      '// #endregion z',
      '// #region open'
    ].join('\n')
    const { problems } = parseRegions('f.ts', text, true)
    expect(problems.map((p) => p.replace(/^f\.ts:\d+: /, ''))).toEqual([
      'line outside any region: stray()',
      'region "b" starts inside region "a" (regions do not nest)',
      '#endregion a without a matching #region',
      'region name "Bad_Name" is not kebab-case',
      '#endregion c closes region "a"',
      '#endregion z without a matching #region',
      'region "open" is never closed'
    ])
  })

  it('parseRegions reports a name used twice in one file', () => {
    const { problems } = parseRegions(
      'f.ts',
      '// #region a\nx\n// #endregion a\n// #region a\ny\n// #endregion a\n',
      true
    )
    expect(problems).toEqual(['f.ts:4: region "a" is defined twice'])
  })

  it('parseInclusions ignores source comments shown inside an example block', () => {
    const text = 'See:\n```text\n<!-- source: src/a.ts#one -->\n```\n'
    expect(parseInclusions('c.md', text)).toEqual({ inclusions: [], problems: [] })
  })

  it('parseRegions does not mind stray lines outside regions in files that are not library files', () => {
    expect(parseRegions('demo.ts', 'free()\n// #region a\nx\n// #endregion a\n', false).problems).toEqual([])
  })

  it('parseInclusions finds blocks under source comments and reports comments without a block', () => {
    const text =
      'Intro\n<!-- source: src/a.ts#one -->\n```ts\nold\n```\n\n<!-- source: src/a.ts#two -->\nno fence\n<!-- source:broken -->\n'
    const { inclusions, problems } = parseInclusions('c.md', text)
    expect(inclusions.map((i) => [i.file, i.name, i.code, i.lang])).toEqual([['src/a.ts', 'one', 'old', 'ts']])
    expect(problems).toEqual([
      'c.md:7: inclusion of src/a.ts#two is not directly above a fenced block',
      'c.md:9: malformed inclusion: <!-- source:broken -->'
    ])
  })

  it('a region whose code holds a fence of its own gets a longer fence', () => {
    expect([fenceFor('a()'), fenceFor('/**\n * ```ts\n * x\n * ```\n */'), fenceFor('````')]).toEqual([
      '```',
      '````',
      '`````'
    ])
    const text = '<!-- source: a.ts#x -->\n```ts\nstale\n```\n'
    const { inclusions } = parseInclusions('c.md', text)
    const region: Region = { file: 'a.ts', name: 'x', start: 1, end: 3, code: '/**\n * ```ts\n * x()\n * ```\n */' }
    const out = rewrite(text, inclusions, () => region)
    expect(out).toBe('<!-- source: a.ts#x -->\n````ts\n/**\n * ```ts\n * x()\n * ```\n */\n````\n')
    expect(parseInclusions('c.md', out).inclusions.map((i) => [i.fence, i.code])).toEqual([['````', region.code]])
  })

  it('rewrite replaces each block with its region and leaves unknown ones alone', () => {
    const text = '<!-- source: a.ts#x -->\n```ts\nstale\n```\n<!-- source: a.ts#gone -->\n```ts\nkept\n```\n'
    const { inclusions } = parseInclusions('c.md', text)
    const region: Region = { file: 'a.ts', name: 'x', start: 1, end: 3, code: 'fresh()\n  more()' }
    const out = rewrite(text, inclusions, (file, name) => (file === 'a.ts' && name === 'x' ? region : undefined))
    expect(out).toBe(
      '<!-- source: a.ts#x -->\n```ts\nfresh()\n  more()\n```\n<!-- source: a.ts#gone -->\n```ts\nkept\n```\n'
    )
  })
})

describe('the chapters and the source', () => {
  const layout = repositoryLayout(root)
  const report = sync(layout)

  it('every included block matches its region, and every region of the library is shown exactly once', () => {
    expect(report.problems).toEqual([])
  })

  it('every library file is covered: src/index.ts, src/session/*.ts and src/stores/*.ts', () => {
    expect(layout.libraryFiles).toEqual(
      expect.arrayContaining([
        'src/index.ts',
        'src/session/cookie.ts',
        'src/session/memory.ts',
        'src/session/session.ts',
        'src/session/store.ts',
        'src/stores/file-store.ts'
      ])
    )
    for (const file of layout.libraryFiles) {
      expect(
        report.regions.some((r) => r.file === file),
        file
      ).toBe(true)
    }
  })

  it("within each chapter, the regions of a file appear in the file's order", () => {
    for (const chapter of layout.chapters) {
      const incs = report.inclusions.filter((i) => i.chapter === chapter)
      for (const file of new Set(incs.map((i) => i.file))) {
        const starts = incs
          .filter((i) => i.file === file)
          .map((i) => report.regions.find((r) => r.file === file && r.name === i.name)?.start ?? 0)
        expect(starts, `${chapter}: ${file}`).toEqual([...starts].sort((a, b) => a - b))
      }
    }
  })
})

describe.each(chapterDirs)('chapter %s', (dir) => {
  const readme = fs.readFileSync(path.join(root, 'chapters', dir, 'README.md'), 'utf8')
  const number = dir.slice(0, 2)

  it('has a README.md and a try.ts', () => {
    expect(fs.existsSync(path.join(root, 'chapters', dir, 'try.ts'))).toBe(true)
  })

  it('opens with what you will learn, the source it walks and its two commands, and ends with things to try', () => {
    const opening = readme.slice(0, 1200)
    expect(opening).toContain('**You will learn**')
    expect(opening).toContain('**Source walked:**')
    expect(opening).toContain(`\`npm test -- ${number}\``)
    expect(opening).toContain(`\`npx tsx chapters/${dir}/try.ts\``)
    expect(readme).toMatch(/\n## Try it yourself\n[\s\S]+$/)
  })

  it('quotes only test names that exist in the test file it links', () => {
    const links = [...readme.matchAll(/\[“([^”]+)”\]\(\.\.\/\.\.\/(test|integration|e2e)\/([\w.-]+\.test\.ts)\)/g)]
    for (const [, name, folder, file] of links) {
      const names = testNames(path.join(root, folder, file))
      expect(names, `${dir} quotes “${name}” from ${file}`).toContain(name)
    }
  })
})

/** The names given to it(…) and it.each(…)(…) in a test file. */
function testNames(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8')
  // the formatter writes a name in double quotes when it holds an apostrophe
  const quoted = `(['"])((?:(?!\\1)[^\\\\]|\\\\.)*)\\1`
  const plain = [...source.matchAll(new RegExp(`\\bit\\(\\s*${quoted}`, 'g'))]
  const each = [...source.matchAll(new RegExp(`\\bit\\.each\\b[\\s\\S]*?\\)\\(\\s*${quoted}`, 'g'))]
  return [...plain, ...each].map((m) => m[2].replace(/\\(.)/g, '$1'))
}

/** What each chapter's try.ts must print (patterns, in order). */
const expectedOutput: Record<string, RegExp[]> = {
  '00-why-sessions': [/visit 1\n\s+visit 1\n\s+visit 1/, /visit 1 .*Set-Cookie: sid=/, /visit 2\n\s+visit 3/],
  '01-requires': [
    /cookie\.parse +\{"connect\.sid":"s:abc\.def","theme":"dark"\}/,
    /signature\.unsign +abc \| with the wrong secret: false/,
    /crypto id +[\w-]{32} \(32 characters/,
    /parseurl\.original +\/mounted\/inner/,
    /on-headers +just before the headers went out/
  ],
  '02-exports': [
    /-> function \(named "session", 1 parameter\)/,
    /Store, Cookie, Session, MemoryStore/,
    /named exports the same\? -> true/,
    /require\(…\) returns +-> function/,
    /require\(…\/cookie\.ts\) +-> function/
  ],
  '03-session-options': [
    /undefined resave option/,
    /undefined saveUninitialized option/,
    /req\.secret; provide secret option/,
    /genid option must be a function/,
    /secret option array must contain one or more strings/,
    /unset option must be "destroy" or "keep"/,
    /listens for: disconnect, connect/,
    /store\.generate\(req\) made session [\w-]{32}/
  ],
  '04-request-flow': [
    /no cookie: a new session +-> ([\w-]{32}) visit 1/,
    /the signed cookie sent back +-> [\w-]{32} visit 2/,
    /signature tampered +-> [\w-]{32} visit 1/,
    /unsigned +-> [\w-]{32} visit 1/,
    /the signed cookie again +-> [\w-]{32} visit 3/
  ],
  '05-response-end': [
    /resave: true, unchanged +-> no cookie +set\n/,
    /resave: false, unchanged +-> no cookie +touch\n/,
    /resave: false, changed +-> Set-Cookie +set\n/,
    /rolling: true +-> Set-Cookie +touch\n/
  ],
  '06-store': [
    /OldStore: instanceof Store true/,
    /load\("abc"\) -> a Session: id abc, user rasmus, cookie\.expires is a Date\? true/,
    /NewStore: instanceof Store true/
  ],
  '07-cookie': [
    /maxAge +\d{5} \(milliseconds left/,
    /originalMaxAge +60000/,
    /connect\.sid=s%3AtYOtmbb58e8lLjIs-GaCJv3YVATHGzS1\.[^;]+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax/,
    /verifies with "keyboard cat"\? true/,
    /verifies with "another cat"\? +false/
  ],
  '08-session': [
    /generate +\| req\.session: .* user=undefined \| store: \(empty\)/,
    /enumerable keys of req\.session: cookie /,
    /reload\(\) +\| req\.session: .* user=changed elsewhere/,
    /regenerate\(\) +\| req\.session: .* user=undefined \| store: \(empty\)/,
    /destroy\(\) +\| req\.session: undefined \| store: \(empty\)/
  ],
  '09-memory-store': [
    /stored as a string: \{"cookie":/,
    /get right away +-> rasmus/,
    /after 80 ms, still in memory\? true/,
    /get after expiry +-> undefined \| still in memory\? false/
  ],
  '11-security': [
    /without regenerate: .* sees "rasmus"/,
    /with regenerate: .* sees "anonymous"/,
    /guessed secret: "anonymous"/,
    /unsigned: "anonymous"/,
    /the real cookie: "rasmus"/,
    /after logout: "anonymous"/
  ],
  '12-cost': [
    /new +store: set +Set-Cookie: \d+ bytes/,
    /modified +store: get \+ set +Set-Cookie/,
    /read +store: get \+ touch +Set-Cookie: none/,
    /rolling +store: get \+ touch +Set-Cookie: \d+ bytes/,
    /Measured by npm run bench on \d{4}-\d\d-\d\d/
  ],
  '13-scaling-out': [
    /a MemoryStore each: .* B says "anonymous"/,
    /one shared store: .* B says "rasmus"/,
    /express-session issues, ours reads: .* B says "rasmus"/
  ],
  '14-what-users-ask': [
    /promises: after await save\(\), the store holds user rasmus/,
    /regenerateKeeping\(req, \['cart'\]\): new id: true \| the old session held: cart, isAdmin \| the new one holds: cart\n/,
    /log out everywhere: rasmus had 3 sessions, 3 destroyed, his browsers now see anonymous, anonymous, anonymous; alice still sees alice/,
    /res\.redirect alone -> write started, headers sent, write finished \| saveThenRedirect -> write started, write finished, headers sent/,
    /the lost update: plain: \[pear\] \(second save: saved\) \| merged: \[apple, pear\] \(second save: saved\) \| refused: \[apple\] \(second save: StaleSessionError\)/,
    /BoundedMemoryStore\(\{ max: 3 \}\), five visitors, v1 came back once: holds v1, v4, v5/
  ],
  '10-file-store-and-companion': [
    /tYOtmbb58e8lLjIs-GaCJv3YVATHGzS1\.json/,
    /"user": "rasmus"/,
    /reads user: rasmus/,
    /refuses an unsafe id: unsafe session id refused/
  ]
}

describe('every try.ts', () => {
  it('has an expectation for each chapter', () => {
    expect(Object.keys(expectedOutput).sort()).toEqual(chapterDirs)
  })

  it.each(chapterDirs)(
    '%s runs and prints what its chapter says',
    async (dir) => {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', `chapters/${dir}/try.ts`], {
        cwd: root,
        timeout: 30_000
      })
      let rest = stdout
      for (const pattern of expectedOutput[dir]) {
        const match = pattern.exec(rest)
        expect(match, `${dir} should print ${pattern} (after the earlier lines) in:\n${stdout}`).not.toBeNull()
        rest = rest.slice((match as RegExpExecArray).index + (match as RegExpExecArray)[0].length)
      }
    },
    40_000
  )
})
