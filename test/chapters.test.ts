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
import { describe, expect, it, onTestFinished } from 'vitest'
import os from 'node:os'
import {
  anchorProblems,
  captionFor,
  checkTestLink,
  counterpartProblems,
  dedent,
  fenceFor,
  fencedLines,
  githubAnchor,
  headingsOf,
  itemsOf,
  markerProblems,
  outlineOf,
  parseInclusions,
  parseRegions,
  parseSkeletons,
  parseTestLinks,
  renderSkeleton,
  repositoryLayout,
  rewrite,
  rewriteSkeletons,
  rewriteTestLinks,
  SKELETON_END,
  sync,
  testDefinitions,
  testDefinitionsUnder,
  type Layout,
  type Region,
  type Section
} from '../scripts/chapters.js'
import { siteAnchor } from '../scripts/typedoc/plugin.js'

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
    expect(out).toBe(
      'Source: [a.ts line 2](a.ts#L2) · ours only\n<!-- source: a.ts#x -->\n````ts\n/**\n * ```ts\n * x()\n * ```\n */\n````\n'
    )
    expect(parseInclusions('c.md', out).inclusions.map((i) => [i.fence, i.code])).toEqual([['````', region.code]])
  })

  it('rewrite replaces each block with its region and leaves unknown ones alone', () => {
    const text = '<!-- source: a.ts#x -->\n```ts\nstale\n```\n<!-- source: a.ts#gone -->\n```ts\nkept\n```\n'
    const { inclusions } = parseInclusions('c.md', text)
    const region: Region = { file: 'a.ts', name: 'x', start: 1, end: 3, code: 'fresh()\n  more()' }
    const out = rewrite(text, inclusions, (file, name) => (file === 'a.ts' && name === 'x' ? region : undefined))
    expect(out).toBe(
      'Source: [a.ts line 2](a.ts#L2) · ours only\n<!-- source: a.ts#x -->\n```ts\nfresh()\n  more()\n```\n<!-- source: a.ts#gone -->\n```ts\nkept\n```\n'
    )
  })
})

describe('links to tests', () => {
  const tests = [
    "describe('a thing', () => {", // 1
    "  it('does one thing', () => {})", // 2
    '  it("can\'t do another", () => {})', // 3
    '  it.each([1, 2])(', // 4
    "    'handles %s',", // 5
    '    () => {}', // 6
    '  )', // 7
    "  test('is also a test', () => {})", // 8
    "  it('does one thing', () => {})", // 9
    '  it(`made of ${parts}`, () => {})', // 10
    '})' // 11
  ].join('\n')
  const definitions = testDefinitions('test/01-x.test.ts', tests)
  const link = (text: string, chapter = 'chapters/01-x/README.md') => parseTestLinks(chapter, text)

  it('testDefinitions finds it, test and it.each names as written, each with the line of its call', () => {
    expect([...definitions]).toEqual([
      ['does one thing', [2, 9]],
      ["can't do another", [3]],
      ['handles %s', [4]],
      ['is also a test', [8]]
    ])
  })

  it('parseTestLinks finds links to test files anywhere in the repository, with or without a line, outside code blocks', () => {
    const text = [
      'See [“does one thing”](../../test/01-x.test.ts) and [“a check”](answers.test.ts#L3),',
      'and [“one in',
      'a browser”](../../e2e/app.e2e.test.ts#L12-L14).',
      '```md',
      '[“not a link”](../../test/01-x.test.ts)',
      '```',
      '[`test/01-x.test.ts`](../../test/01-x.test.ts) is not a named test.'
    ].join('\n')
    expect(link(text).map((l) => [l.line, l.name, l.file, l.href, l.anchor])).toEqual([
      [1, 'does one thing', 'test/01-x.test.ts', '../../test/01-x.test.ts', undefined],
      [1, 'a check', 'chapters/01-x/answers.test.ts', 'answers.test.ts', '#L3'],
      [2, 'one in a browser', 'e2e/app.e2e.test.ts', '../../e2e/app.e2e.test.ts', '#L12-L14']
    ])
    expect(link('[“a note’s test”](../test/recipes.test.ts)', 'notes/recipes.md')[0].file).toBe('test/recipes.test.ts')
  })

  it('checkTestLink accepts a link whose anchor is the line of a call that defines the name', () => {
    const [first, second, each] = link(
      '[“does one thing”](../../test/01-x.test.ts#L2) [“does one thing”](../../test/01-x.test.ts#L9) [“handles %s”](../../test/01-x.test.ts#L4)'
    )
    expect([
      checkTestLink(first, definitions),
      checkTestLink(second, definitions),
      checkTestLink(each, definitions)
    ]).toEqual([{ anchor: '#L2' }, { anchor: '#L9' }, { anchor: '#L4' }])
  })

  it('checkTestLink fails a link without an anchor, with a stale one, to a name the file lacks, or to a missing file', () => {
    const links = link(
      [
        '[“does one thing”](../../test/01-x.test.ts)',
        '[“is also a test”](../../test/01-x.test.ts#L7)',
        '[“handles 1”](../../test/01-x.test.ts#L4)',
        '[“does one thing”](../../test/gone.test.ts)'
      ].join('\n')
    )
    expect(links.map((l, i) => checkTestLink(l, i === 3 ? undefined : definitions))).toEqual([
      {
        problem:
          'chapters/01-x/README.md:1: the link to “does one thing” has no line anchor; it is defined at test/01-x.test.ts:2 (run npm run chapters)',
        anchor: '#L2'
      },
      {
        problem:
          'chapters/01-x/README.md:2: the link to “is also a test” points to #L7; it is defined at test/01-x.test.ts:8 (run npm run chapters)',
        anchor: '#L8'
      },
      { problem: 'chapters/01-x/README.md:3: links “handles 1”, which test/01-x.test.ts does not define' },
      { problem: 'chapters/01-x/README.md:4: links ../../test/gone.test.ts, which does not exist' }
    ])
  })

  it('rewriteTestLinks adds or corrects each anchor, leaves unknown names alone, and changes nothing a second time', () => {
    const text =
      'A [“does one thing”](../../test/01-x.test.ts), B [“is also a test”](../../test/01-x.test.ts#L99), C [“nothing”](../../test/01-x.test.ts).\n'
    const defs = (file: string) => (file === 'test/01-x.test.ts' ? definitions : undefined)
    const once = rewriteTestLinks('chapters/01-x/README.md', text, defs)
    expect(once).toBe(
      'A [“does one thing”](../../test/01-x.test.ts#L2), B [“is also a test”](../../test/01-x.test.ts#L8), C [“nothing”](../../test/01-x.test.ts).\n'
    )
    expect(rewriteTestLinks('chapters/01-x/README.md', once, defs)).toBe(once)
  })
})

describe('headings and their anchors', () => {
  it('githubAnchor keeps the text of inline code and links, drops punctuation and makes spaces hyphens', () => {
    expect(
      [
        'Wrapping `save` and `reload`',
        'The `res.end` proxy',
        '1 · `await` the session’s methods',
        'Is this request secure?',
        '[`cookieId`](../src/index.ts)',
        'touch_me'
      ].map(githubAnchor)
    ).toEqual([
      'wrapping-save-and-reload',
      'the-resend-proxy',
      '1--await-the-sessions-methods',
      'is-this-request-secure',
      'cookieid',
      'touch_me'
    ])
  })

  it('headingsOf skips lines in code blocks and numbers a repeated anchor', () => {
    const text = '# Title\n\n## Break it\n\n```sh\n# not a heading\n```\n\n### Break it\n## Recap ##\n'
    expect(headingsOf(text).map((h) => [h.line, h.level, h.text, h.anchor])).toEqual([
      [1, 1, 'Title', 'title'],
      [3, 2, 'Break it', 'break-it'],
      [9, 3, 'Break it', 'break-it-1'],
      [10, 2, 'Recap', 'recap']
    ])
  })

  it('anchorProblems reports a link to a heading that is not there, in the page or in another document', () => {
    const anchors = new Map([
      ['notes/glossary.md', new Set(['cookieid'])],
      ['chapters/01-x/README.md', new Set(['one'])]
    ])
    const text =
      '[a](#one) [b](#two) [c](../../notes/glossary.md#cookieid) [d](../../notes/glossary.md#cookie-id) [e](../../src/index.ts#L3) [f](../../README.md#nowhere)\n'
    expect(anchorProblems('chapters/01-x/README.md', text, (doc) => anchors.get(doc))).toEqual([
      'chapters/01-x/README.md:1: links #two, but chapters/01-x/README.md has no such heading',
      'chapters/01-x/README.md:1: links ../../notes/glossary.md#cookie-id, but notes/glossary.md has no such heading'
    ])
  })
})

describe('the skeleton', () => {
  const source = [
    'function outer(a, b = 2) {', // 1
    '  const x = 1', // 2
    '  const y = 2', // 3
    '  let z', // 4
    '  if (a) {', // 5
    '    z = 3', // 6
    '  }', // 7
    '  b()', // 8
    '  function helper(c: string) {', // 9
    '    return c', // 10
    '  }', // 11
    '  return function inner(req, ...rest) {', // 12
    '    type T = string', // 13
    '    res.end = function end(chunk) {', // 14
    '      let ret', // 15
    '      function writetop() {}', // 16
    '      return ret', // 17
    '    } as End', // 18
    "    store.on('a-long-event-name-here-and-more', function onx() {})", // 19
    '    next()', // 20
    '  }', // 21
    '}', // 22
    'function other() {}' // 23
  ].join('\n')

  it('outlineOf shows declarations in order and nesting, bodies elided, other statements as …, and opens functions handed out that declare functions', () => {
    expect(outlineOf('f.ts', source, 'outer')?.map((l) => '  '.repeat(l.depth) + l.text + ' @' + l.line)).toEqual([
      'function outer(a, b) { @1',
      '  const x, y; let z @2',
      '  … @5',
      '  function helper(c) { … } @9',
      '  return function inner(req, ...rest) { @12',
      '    type T = … @13',
      '    res.end = function end(chunk) { @14',
      '      let ret @15',
      '      function writetop() { … } @16',
      '      … @17',
      '    } @18',
      '    store.on(…, function onx() { … }) @19',
      '    … @20',
      '  } @21',
      '} @22'
    ])
    expect(outlineOf('f.ts', source, 'missing')).toBeUndefined()
  })

  it('outlineOf packs declarations only within one group, and only up to the width', () => {
    const split = outlineOf('f.ts', source, 'outer', (line) => (line === 4 ? 'later' : 'first'))
    expect(split?.slice(1, 3).map((l) => l.text)).toEqual(['const x, y', 'let z'])
    const long = `function f() {\n  const ${'a'.repeat(40)} = 1\n  const ${'b'.repeat(40)} = 2\n}\n`
    expect(outlineOf('f.ts', long, 'f')?.map((l) => l.text)).toEqual([
      'function f() {',
      `const ${'a'.repeat(40)}`,
      `const ${'b'.repeat(40)}`,
      '}'
    ])
  })

  const sections: Record<string, Section> = {
    setup: { chapter: 'chapters/03-x/README.md', title: '03 · `x()`', heading: 'Reading `x`', anchor: 'reading-x' },
    flow: { chapter: 'chapters/04-y/README.md', title: '04 · Flow', heading: 'The start', anchor: 'the-start' },
    end: { chapter: 'chapters/04-y/README.md', title: '04 · Flow', heading: 'The end', anchor: 'the-end' }
  }
  const sectionOf = (line: number) => (line < 12 ? sections.setup : line < 20 ? sections.flow : sections.end)

  it('renderSkeleton marks the first line of each part with its section, in one column, and lists the sections as links', () => {
    const outline = outlineOf('f.ts', source, 'outer') ?? []
    const text = renderSkeleton('chapters/04-y/README.md', outline, sectionOf)
    expect(text.split('\n')).toEqual([
      '```ts',
      'function outer(a, b) {                   // 03 · Reading x',
      '  const x, y; let z',
      '  …',
      '  function helper(c) { … }',
      '  return function inner(req, ...rest) {  // 04 · The start',
      '    type T = …',
      '    res.end = function end(chunk) {',
      '      let ret',
      '      function writetop() { … }',
      '      …',
      '    }',
      '    store.on(…, function onx() { … })',
      '    …                                    // 04 · The end',
      '  }',
      '}',
      '```',
      '',
      'Where each part is walked:',
      '',
      '- [03 · `x()`](../03-x/README.md): [Reading `x`](../03-x/README.md#reading-x)',
      '- 04 · Flow (this chapter): [The start](#the-start) · [The end](#the-end)',
      '',
      SKELETON_END
    ])
  })

  it('rewriteSkeletons fills a bare marker, replaces a stale skeleton, and changes nothing a second time', () => {
    const fresh = '```ts\nnew()\n```\n\n' + SKELETON_END
    const make = (file: string, name: string) => (file === 'src/a.ts' && name === 'f' ? fresh : undefined)
    const bare = '> intro\n\n<!-- skeleton: src/a.ts#f -->\nProse.\n'
    const filled = rewriteSkeletons('c.md', bare, make)
    expect(filled).toBe(`> intro\n\n<!-- skeleton: src/a.ts#f -->\n${fresh}\n\nProse.\n`)
    expect(rewriteSkeletons('c.md', filled, make)).toBe(filled)
    const stale = `<!-- skeleton: src/a.ts#f -->\n\`\`\`ts\nold()\n\`\`\`\n\n- [old](#old)\n\n${SKELETON_END}\n\nProse.\n`
    expect(rewriteSkeletons('c.md', stale, make)).toBe(`<!-- skeleton: src/a.ts#f -->\n${fresh}\n\nProse.\n`)
    const blockOnly = '<!-- skeleton: src/a.ts#f -->\n```ts\nold()\n```\nProse.\n'
    expect(rewriteSkeletons('c.md', blockOnly, make)).toBe(`<!-- skeleton: src/a.ts#f -->\n${fresh}\n\nProse.\n`)
    expect(rewriteSkeletons('c.md', '<!-- skeleton: src/b.ts#g -->\n', make)).toBe('<!-- skeleton: src/b.ts#g -->\n')
    const [marker] = parseSkeletons('c.md', filled)
    expect([marker.line, marker.file, marker.name, marker.current]).toEqual([3, 'src/a.ts', 'f', fresh + '\n'])
  })
})

describe('the marker check', () => {
  const regionsOf = (text: string) => parseRegions('f.ts', text, true).regions

  it('accepts markers indented like the code around them, around whole functions and between class members', () => {
    const text = [
      '// #region a',
      'function a() {',
      '  return 1',
      '}',
      '// #endregion a',
      '// #region b',
      'class B {',
      '  x = 1',
      '  // #endregion b',
      '',
      '  // #region c',
      '  y() {}',
      '}',
      '// #endregion c'
    ].join('\n')
    expect(markerProblems('f.ts', text, regionsOf(text))).toEqual([])
  })

  it('reports a marker at the wrong indentation', () => {
    const text = 'class B {\n  // #region a\n  x = 1\n// #endregion a\n}\n'
    expect(markerProblems('f.ts', text, regionsOf(text))).toEqual([
      'f.ts:4: #endregion a is not indented like the code around it'
    ])
  })

  it('reports a region that cuts a function or an object literal in two, unless the body is declared open', () => {
    const fn = ['function outer() {', '  // #region a', '  one()', '  // #endregion a', '}'].join('\n')
    const object = ['const o = {', '  // #region a', '  one: 1,', '  // #endregion a', '  two: 2', '}'].join('\n')
    expect(markerProblems('f.ts', fn, regionsOf(fn))).toEqual([
      'f.ts:2: #region a cuts function outer in two',
      'f.ts:4: #endregion a cuts function outer in two'
    ])
    expect(markerProblems('f.ts', object, regionsOf(object))).toEqual([
      'f.ts:2: #region a cuts an object literal in two',
      'f.ts:4: #endregion a cuts an object literal in two'
    ])
    expect(markerProblems('f.ts', fn, regionsOf(fn), ['outer'])).toEqual([])
  })
})

describe('regions and their counterparts in express-session', () => {
  const upstream = [
    '/**', // 1
    ' * Make a thing.', // 2
    ' */', // 3
    'function make(a) {', // 4
    "  debug('making %s', a)", // 5
    '  return a', // 6
    '}', // 7
    '', // 8
    'function other() {', // 9
    "  throw new Error('no other')", // 10
    '}', // 11
    '', // 12
    'exports.made = make' // 13
  ].join('\n')
  const ours = (text: string) => itemsOf('ours.ts', text)
  const make = "function make(a: string) {\n  debug('making %s', a)\n  return a\n}\n"

  it('parseRegions reads each marker’s note: a range of lines, one line, or ours only', () => {
    const text =
      '// #region a (index.js 3-9)\nx\n// #endregion a\n// #region b (index.js 5)\ny\n// #endregion b\n// #region c (ours only)\nz\n// #endregion c\n// #region d (somewhere)\nw\n// #endregion d\n'
    const { regions, problems } = parseRegions('f.ts', text, true)
    expect(regions.map((r) => r.counterpart)).toEqual([
      { file: 'index.js', from: 3, to: 9 },
      { file: 'index.js', from: 5, to: 5 },
      'ours only',
      undefined
    ])
    expect(problems).toEqual(['f.ts:10: "(somewhere)" is neither "(ours only)" nor "(file.js a-b)"'])
  })

  it('itemsOf finds declarations, assigned properties, exports, strings, calls and object members, and skips types', () => {
    const items = itemsOf(
      'f.ts',
      "import type { T } from 'types'\ninterface I { x: 'no' }\nconst a: 'lit' = f('s')\no.p = { m() {}, n: 1 }\nif (typeof a === 'string') b = 2\nexport { a as default }\n"
    )
    expect(items.map((i) => `${i.kind} ${i.name} ${i.line}`)).toEqual([
      'declares a 3',
      'calls f 3',
      'string "s" 3',
      'declares p 4',
      'declares m 4',
      'member n 4',
      'assigns b 5',
      'declares exports 6'
    ])
  })

  it('accepts a range that holds what the region holds, doc comment included', () => {
    expect(counterpartProblems(ours(make), { file: 'index.js', from: 1, to: 7 }, upstream)).toEqual([])
  })

  it('reports a range that misses what the region declares or says', () => {
    expect(counterpartProblems(ours(make), { file: 'index.js', from: 9, to: 13 }, upstream)).toEqual([
      'holds make, which upstream has at line 4, outside 9-13',
      'holds "making %s", which upstream has at line 5, outside 9-13',
      'shares nothing with upstream lines 9-13'
    ])
  })

  it('reports a range that shares nothing with the region', () => {
    expect(counterpartProblems(ours("g('new')\n"), { file: 'index.js', from: 9, to: 11 }, upstream)).toEqual([
      'shares nothing with upstream lines 9-11'
    ])
  })

  it('reports a range that holds a neighbouring function too', () => {
    expect(counterpartProblems(ours(make), { file: 'index.js', from: 1, to: 11 }, upstream)).toEqual([
      'upstream lines 1-11 also hold other (line 9), which the region does not'
    ])
  })

  it('reports a range that cuts a statement or a comment in two', () => {
    expect(counterpartProblems(ours(make), { file: 'index.js', from: 2, to: 6 }, upstream)).toEqual([
      'upstream lines 2-6 cut in two what is at 4-7, 1-3 (a comment)'
    ])
  })

  it('reports a range that reaches well beyond what the two share', () => {
    const long = ['function make(a) {', "  debug('making %s', a)", '}', 'x()', 'y()', 'z()', 'w()'].join('\n')
    expect(counterpartProblems(ours(make), { file: 'index.js', from: 1, to: 7 }, long)).toEqual([
      'upstream lines 1-7 reach beyond what the region holds (1-2): 4 more lines of code'
    ])
  })

  it('reports a region called ours only that declares what upstream declares, or holds nothing else', () => {
    expect(counterpartProblems(ours(make), 'ours only', upstream)).toEqual([
      'says ours only, but upstream declares make (line 4)'
    ])
    expect(counterpartProblems(ours("debug('making %s', a)\n"), 'ours only', upstream)).toEqual([
      'says ours only, but everything it holds is in upstream too'
    ])
    expect(counterpartProblems(ours('type T = string\n'), 'ours only', upstream)).toEqual([])
  })
})

describe('captions', () => {
  const region: Region = {
    file: 'src/index.ts',
    name: 'x',
    start: 10,
    end: 20,
    code: 'x()',
    counterpart: { file: 'index.js', from: 185, to: 228 }
  }

  it('name our lines, linked relative to the chapter, and upstream lines at v1.19.0', () => {
    expect(captionFor('chapters/04-request-flow/README.md', region)).toBe(
      'Source: [src/index.ts lines 11–19](../../src/index.ts#L11-L19) · express-session [index.js lines 185–228](https://github.com/expressjs/session/blob/v1.19.0/index.js#L185-L228)'
    )
  })

  it('say ours only for code without a counterpart, and line for a single line', () => {
    const single: Region = { ...region, file: 'chapters/00-x/a.ts', start: 4, end: 6, counterpart: 'ours only' }
    expect(captionFor('chapters/00-x/README.md', single)).toBe(
      'Source: [chapters/00-x/a.ts line 5](a.ts#L5) · ours only'
    )
  })

  it('are read back from above the source comment, and rewritten when stale, with a blank line above', () => {
    const text =
      'Prose.\nSource: [src/index.ts lines 1–2](../../src/index.ts#L1-L2) · ours only\n<!-- source: src/index.ts#x -->\n```ts\nx()\n```\n'
    const { inclusions } = parseInclusions('chapters/04-request-flow/README.md', text)
    expect(inclusions[0].caption).toBe('Source: [src/index.ts lines 1–2](../../src/index.ts#L1-L2) · ours only')
    expect(rewrite(text, inclusions, () => region)).toBe(
      `Prose.\n\n${captionFor('chapters/04-request-flow/README.md', region)}\n<!-- source: src/index.ts#x -->\n\`\`\`ts\nx()\n\`\`\`\n`
    )
  })
})

describe('the sync check, on a small repository', () => {
  /** A repository with one mirrored library file, one chapter and an upstream twin of the given version. */
  function fixture(files: Record<string, string>, version = '1.19.0'): Layout {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'chapters-'))
    const all: Record<string, string> = {
      'upstream/package.json': JSON.stringify({ version }),
      'upstream/index.js': upstreamIndex,
      ...files
    }
    for (const [rel, text] of Object.entries(all)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
      fs.writeFileSync(path.join(root, rel), text)
    }
    return {
      root,
      libraryFiles: ['src/index.ts'],
      otherSources: [],
      chapters: ['chapters/01-x/README.md'],
      twins: { 'src/index.ts': 'index.js' },
      openBodies: {},
      upstreamDir: path.join(root, 'upstream')
    }
  }
  const upstreamIndex = "function make(a) {\n  return a + 'made'\n}\n\nfunction other() {}\n"
  const source =
    "// #region make (index.js 1-3)\nfunction make(a: string) {\n  return a + 'made'\n}\n// #endregion make\n"
  const caption =
    'Source: [src/index.ts lines 2–4](../../src/index.ts#L2-L4) · express-session [index.js lines 1–3](https://github.com/expressjs/session/blob/v1.19.0/index.js#L1-L3)'
  const chapter = (captionLine: string) =>
    `# 01\n\n${captionLine}\n<!-- source: src/index.ts#make -->\n\`\`\`ts\nfunction make(a: string) {\n  return a + 'made'\n}\n\`\`\`\n`

  it('passes when every caption names its region’s lines and a range that holds it', () => {
    const layout = fixture({ 'src/index.ts': source, 'chapters/01-x/README.md': chapter(caption) })
    expect(sync(layout).problems).toEqual([])
  })

  it('fails when a caption’s own lines are not the region’s, and npm run chapters would fix it', () => {
    const stale = caption.replace('lines 2–4](../../src/index.ts#L2-L4)', 'lines 3–5](../../src/index.ts#L3-L5)')
    const layout = fixture({ 'src/index.ts': source, 'chapters/01-x/README.md': chapter(stale) })
    const report = sync(layout)
    expect(report.problems).toEqual([
      'chapters/01-x/README.md:4: the caption of src/index.ts#make is not its lines (run npm run chapters)'
    ])
    expect(report.rewritten.get('chapters/01-x/README.md')).toBe(chapter(caption))
  })

  it('fails when the marker’s upstream range does not hold the region, when a note is missing, and when express-session is not 1.19.0', () => {
    const wrong = source.replace('(index.js 1-3)', '(index.js 5)')
    const layout = fixture({
      'src/index.ts': wrong,
      'chapters/01-x/README.md': chapter(
        caption.replace(/index\.js lines 1–3\]\(([^)]*)#L1-L3\)/, 'index.js line 5]($1#L5)')
      )
    })
    expect(sync(layout).problems).toEqual([
      'src/index.ts:1: region "make" holds make, which upstream has at line 1, outside 5-5',
      'src/index.ts:1: region "make" holds "made", which upstream has at line 2, outside 5-5',
      'src/index.ts:1: region "make" shares nothing with upstream lines 5-5'
    ])
    const bare = fixture({
      'src/index.ts': source.replace(' (index.js 1-3)', ''),
      'chapters/01-x/README.md': chapter(caption)
    })
    expect(sync(bare).problems[0]).toBe('src/index.ts:1: region "make" needs a note: (index.js a-b) or (ours only)')
    const swapped = fixture({
      'src/index.ts': `// #region other (index.js 5)\nfunction other() {}\n// #endregion other\n\n${source}`,
      'chapters/01-x/README.md': chapter(caption)
    })
    expect(sync(swapped).problems).toContain(
      'src/index.ts:5: region "make" comes after "other" but mirrors earlier upstream lines'
    )
    const old = fixture({ 'src/index.ts': source, 'chapters/01-x/README.md': chapter(caption) }, '1.18.2')
    expect(sync(old).problems).toEqual(['node_modules/express-session is 1.18.2, not 1.19.0: run npm install'])
  })
})

describe('test links and skeletons in the sync, on a small repository', () => {
  /** A repository with one library file whose function is walked by two chapters, and one test file. */
  function fixture(files: Record<string, string>): Layout {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'chapters-links-'))
    const all: Record<string, string> = {
      'upstream/package.json': JSON.stringify({ version: '1.19.0' }),
      'src/lib.ts': lib,
      'test/01-x.test.ts': "it('works', () => {})\n",
      ...files
    }
    for (const [rel, text] of Object.entries(all)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
      fs.writeFileSync(path.join(root, rel), text)
    }
    onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }))
    return {
      root,
      libraryFiles: ['src/lib.ts'],
      otherSources: [],
      chapters: ['chapters/01-x/README.md', 'chapters/02-y/README.md'],
      twins: {},
      openBodies: { 'src/lib.ts': ['main'] },
      upstreamDir: path.join(root, 'upstream')
    }
  }
  const lib = [
    '// #region main-start',
    'export function main() {',
    '  const a = 1',
    '  // #endregion main-start',
    '',
    '  // #region main-end',
    '  function helper() {}',
    '}',
    '// #endregion main-end'
  ].join('\n')
  const block = (name: string, lines: string, code: string) =>
    `Source: [src/lib.ts ${lines}](../../src/lib.ts#L${lines.replace(/^lines? /, '').replace('–', '-L')}) · ours only\n<!-- source: src/lib.ts#${name} -->\n\`\`\`ts\n${code}\n\`\`\`\n`
  const first = (link: string, marker = '') =>
    `# 01 · First\n\n${marker}## The start\n\nProof: [“works”](../../test/01-x.test.ts${link}).\n\n${block('main-start', 'lines 2–3', 'export function main() {\n  const a = 1')}`
  const second = `# 02 · Second\n\n## The end\n\n${block('main-end', 'lines 7–8', '  function helper() {}\n}')}`

  it('passes when every test link lands on its line and every skeleton is fresh', () => {
    const bare = fixture({
      'chapters/01-x/README.md': first('#L1', '<!-- skeleton: src/lib.ts#main -->\n\n'),
      'chapters/02-y/README.md': second
    })
    const fresh = sync(bare).rewritten.get('chapters/01-x/README.md') as string
    expect(fresh).toContain(
      [
        '<!-- skeleton: src/lib.ts#main -->',
        '```ts',
        'function main() {          // 01 · The start',
        '  const a',
        '  function helper() { … }  // 02 · The end',
        '}',
        '```',
        '',
        'Where each part is walked:',
        '',
        '- 01 · First (this chapter): [The start](#the-start)',
        '- [02 · Second](../02-y/README.md): [The end](../02-y/README.md#the-end)',
        '',
        '<!-- /skeleton -->',
        '',
        '## The start'
      ].join('\n')
    )
    const layout = fixture({ 'chapters/01-x/README.md': fresh, 'chapters/02-y/README.md': second })
    expect(sync(layout).problems).toEqual([])
  })

  it('fails on a test link without its line or with a stale one, and npm run chapters gives it the line', () => {
    for (const stale of ['', '#L9']) {
      const layout = fixture({ 'chapters/01-x/README.md': first(stale), 'chapters/02-y/README.md': second })
      const report = sync(layout)
      expect(report.problems).toEqual([
        `chapters/01-x/README.md:5: the link to “works” ${stale === '' ? 'has no line anchor' : 'points to #L9'}; it is defined at test/01-x.test.ts:1 (run npm run chapters)`
      ])
      expect(report.rewritten.get('chapters/01-x/README.md')).toBe(first('#L1'))
    }
  })

  it('fails on a stale skeleton, and on a skeleton of code that no chapter shows', () => {
    const withMarker = first('#L1', '<!-- skeleton: src/lib.ts#main -->\n```ts\nold\n```\n\n')
    const stale = sync(fixture({ 'chapters/01-x/README.md': withMarker, 'chapters/02-y/README.md': second }))
    expect(stale.problems).toEqual([
      'chapters/01-x/README.md:3: the skeleton of src/lib.ts#main is stale (run npm run chapters)'
    ])
    const unshown = sync(
      fixture({ 'chapters/01-x/README.md': withMarker, 'chapters/02-y/README.md': '# 02 · Second\n' })
    )
    expect(unshown.problems).toContain(
      "chapters/01-x/README.md:3: the skeleton's line for src/lib.ts:7 lies in no region a chapter includes"
    )
    const unknown = sync(
      fixture({
        'chapters/01-x/README.md': first('#L1', '<!-- skeleton: src/lib.ts#nothing -->\n'),
        'chapters/02-y/README.md': second
      })
    )
    expect(unknown.problems).toEqual([
      'chapters/01-x/README.md:3: the skeleton names nothing, which src/lib.ts does not declare at its top level'
    ])
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

  it('chapter 04 shows the skeleton of session(), screen-sized, with every part walked somewhere', () => {
    const chapter = 'chapters/04-request-flow/README.md'
    const [marker] = parseSkeletons(chapter, fs.readFileSync(path.join(root, chapter), 'utf8'))
    expect([marker?.file, marker?.name]).toEqual(['src/index.ts', 'session'])
    const block = marker.current.slice(0, marker.current.indexOf('\n```\n') + 4).split('\n')
    expect(block.length).toBeLessThanOrEqual(45)
    expect(block.filter((line) => line.includes('// ')).length).toBeGreaterThanOrEqual(10)
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

describe('the glossary', () => {
  const text = fs.readFileSync(path.join(root, 'notes', 'glossary.md'), 'utf8')
  const entries = headingsOf(text).filter((h) => h.level === 2)

  it('lists its entries as headings in alphabetical order', () => {
    const terms = entries.map((h) => h.text.replace(/`/g, '').toLowerCase())
    expect(terms.length).toBeGreaterThan(50)
    expect(terms).toEqual([...terms].sort())
  })

  it('gives each entry the same anchor on GitHub and on the docs site, and each a link to where it is walked', () => {
    for (const entry of entries) {
      expect(siteAnchor(entry.text), entry.text).toBe(entry.anchor)
      const next = entries.find((h) => h.line > entry.line)?.line ?? Infinity
      const body = text
        .split('\n')
        .slice(entry.line, next - 1)
        .join('\n')
      expect(body, entry.text).toMatch(/\]\((?:\.\.\/chapters\/|#|recipes\.md)/)
    }
  })
})

/** The tests a file defines, each file parsed once (a chapter links the same files many times). */
const definitionsOf = testDefinitionsUnder(root)

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

  it('quotes only test names that exist in the test file it links, each link landing on its test’s line', () => {
    for (const link of parseTestLinks(`chapters/${dir}/README.md`, readme)) {
      expect(
        checkTestLink(link, definitionsOf(link.file)).problem,
        `${dir} quotes “${link.name}” from ${link.file}`
      ).toBeUndefined()
    }
  })
})

/** The sections every chapter ends with, in this order ("Break it" only where the chapter has one). */
const CLOSING = ['Recap', 'Design notes', 'Challenges', 'Break it', 'Try it yourself']

/**
 * What a chapter's closing sections lack: they must be its last level-two
 * sections, in the order of {@link CLOSING}; the recap a list of exactly
 * three points; the challenges two or more `###` headings, each followed by
 * a folded answer, at least one of which includes a region of the
 * chapter's `answers.test.ts` (`answerRegions`: that file's regions, or
 * `undefined` when it does not exist).
 */
function closingProblems(dir: string, readme: string, answerRegions: string[] | undefined): string[] {
  const problems: string[] = []
  const lines = readme.split('\n')
  const fenced = fencedLines(lines)
  const headings = headingsOf(readme)
  const sections = headings.filter((h) => h.level === 2)
  const names = sections.map((h) => h.text)
  const expected = CLOSING.filter((name) => name !== 'Break it' || names.includes(name))
  const last = names.slice(-expected.length)
  if (last.join(' / ') !== expected.join(' / '))
    problems.push(`ends with the sections ${last.join(' / ')}, not ${expected.join(' / ')}`)
  /** The 0-based line range of a level-two section's body, heading excluded. */
  const body = (name: string): [number, number] | undefined => {
    const heading = sections.find((h) => h.text === name)
    if (heading === undefined) return undefined
    const next = sections.find((h) => h.line > heading.line)
    return [heading.line, next === undefined ? lines.length : next.line - 1]
  }
  const recap = body('Recap')
  if (recap !== undefined) {
    const points = lines
      .slice(...recap)
      .filter((line, i) => !fenced[recap[0] + i] && /^(?:[-*+]|\d+[.)])\s+\S/.test(line)).length
    if (points !== 3) problems.push(`its recap has ${points} points, not three`)
  }
  const challenges = body('Challenges')
  if (challenges !== undefined) {
    const [from, to] = challenges
    const titles = headings.filter((h) => h.level === 3 && h.line > from && h.line <= to)
    if (titles.length < 2) problems.push(`has ${titles.length} challenge(s) as ### headings, not two or more`)
    let included = false
    titles.forEach((title, i) => {
      const end = i + 1 < titles.length ? titles[i + 1].line - 1 : to
      const part = lines.slice(title.line, end).join('\n')
      const open = part.indexOf('<details><summary>Answer</summary>')
      const close = part.indexOf('</details>', open)
      if (open === -1 || close === -1) {
        problems.push(`its challenge "${title.text}" has no <details><summary>Answer</summary> … </details>`)
        return
      }
      const answer = part.slice(open, close)
      for (const m of answer.matchAll(/<!-- source: ([^#\s]+)#([\w-]+) -->/g)) {
        if (m[1] === `chapters/${dir}/answers.test.ts` && answerRegions?.includes(m[2])) included = true
      }
    })
    if (!included) problems.push(`no challenge's answer includes a region of chapters/${dir}/answers.test.ts`)
  }
  return problems
}

describe('the closing sections check', () => {
  const answer = (region: string) =>
    `<details><summary>Answer</summary>\n\n<!-- source: chapters/99-x/answers.test.ts#${region} -->\n\`\`\`ts\nit()\n\`\`\`\n\n</details>\n`
  const folded = '<details><summary>Answer</summary>\n\nBecause.\n\n</details>\n'
  const chapter = (parts: Partial<Record<'recap' | 'challenges' | 'tail', string>> = {}) =>
    [
      '# 99 · X\n\n## Walk\n\ntext\n',
      parts.recap ?? '## Recap\n\n- one\n- two\n  continued\n- three\n',
      '## Design notes\n\nwhy\n',
      parts.challenges ??
        `## Challenges\n\n### One\n\nWrite a test.\n\n${answer('answer-one')}\n### Two\n\nWhy?\n\n${folded}`,
      parts.tail ?? '## Break it\n\n### A change\n\n```diff\n- a\n+ b\n```\n\n## Try it yourself\n\n- run it\n'
    ].join('\n')

  it('accepts a chapter that ends as every chapter must, with or without Break it', () => {
    expect(closingProblems('99-x', chapter(), ['answer-one'])).toEqual([])
    expect(closingProblems('99-x', chapter({ tail: '## Try it yourself\n\n- run it\n' }), ['answer-one'])).toEqual([])
  })

  it('reports a recap of other than three points, a list in a code block not counted', () => {
    const two = chapter({ recap: '## Recap\n\n1. one\n2. two\n\n```md\n- not a point\n```\n' })
    expect(closingProblems('99-x', two, ['answer-one'])).toEqual(['its recap has 2 points, not three'])
  })

  it('reports sections out of order, missing, or followed by another', () => {
    const noNotes = chapter().replace('## Design notes\n\nwhy\n', '')
    expect(closingProblems('99-x', noNotes, ['answer-one'])).toEqual([
      'ends with the sections Walk / Recap / Challenges / Break it / Try it yourself, not Recap / Design notes / Challenges / Break it / Try it yourself'
    ])
    const tryFirst = chapter({ tail: '## Try it yourself\n\n- run it\n\n## Break it\n\n### A change\n' })
    expect(closingProblems('99-x', tryFirst, ['answer-one'])).toHaveLength(1)
    expect(closingProblems('99-x', chapter() + '\n## Afterword\n', ['answer-one'])).toHaveLength(1)
  })

  it('reports fewer than two challenges, a challenge without a folded answer, and no runnable answer included', () => {
    const one = chapter({ challenges: `## Challenges\n\n### One\n\n${answer('answer-one')}` })
    expect(closingProblems('99-x', one, ['answer-one'])).toEqual([
      'has 1 challenge(s) as ### headings, not two or more'
    ])
    const open = chapter({
      challenges: `## Challenges\n\n### One\n\n${answer('answer-one')}\n### Two\n\nWhy? Because.\n`
    })
    expect(closingProblems('99-x', open, ['answer-one'])).toEqual([
      'its challenge "Two" has no <details><summary>Answer</summary> … </details>'
    ])
    const list = chapter({ challenges: `## Challenges\n\n1. One\n\n${answer('answer-one')}\n2. Two\n\n${folded}` })
    expect(closingProblems('99-x', list, ['answer-one'])).toContain(
      'has 0 challenge(s) as ### headings, not two or more'
    )
    expect(closingProblems('99-x', chapter(), undefined)).toEqual([
      "no challenge's answer includes a region of chapters/99-x/answers.test.ts"
    ])
    expect(closingProblems('99-x', chapter(), ['answer-other'])).toHaveLength(1)
    expect(closingProblems('98-y', chapter(), ['answer-one'])).toHaveLength(1)
  })
})

describe('the end of every chapter', () => {
  it('there are chapters 00 to 14', () => {
    const numbers = chapterDirs.map((dir) => dir.slice(0, 2))
    for (let n = 0; n <= 14; n++) expect(numbers).toContain(String(n).padStart(2, '0'))
  })

  it.each(chapterDirs)(
    '%s ends with Recap (three points), Design notes, Challenges (two or more, each answered, one running from answers.test.ts), Break it where present, Try it yourself',
    (dir) => {
      const readme = fs.readFileSync(path.join(root, 'chapters', dir, 'README.md'), 'utf8')
      const answers = path.join(root, 'chapters', dir, 'answers.test.ts')
      const regions = fs.existsSync(answers)
        ? parseRegions(`chapters/${dir}/answers.test.ts`, fs.readFileSync(answers, 'utf8'), false).regions.map(
            (r) => r.name
          )
        : undefined
      expect(closingProblems(dir, readme, regions)).toEqual([])
    }
  )
})

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
    /after 400 ms, still in memory\? true/,
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

  // each script is its own process, mostly waiting for tsx to start: run them side by side
  it.concurrent.for(chapterDirs)(
    '%s runs and prints what its chapter says',
    { timeout: 40_000 },
    async (dir, { expect }) => {
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
    }
  )
})
