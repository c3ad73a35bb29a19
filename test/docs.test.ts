/**
 * The docs site's plugin: the pieces that decide document titles and turn
 * a chapter's source links into links to API pages.
 */
import { describe, expect, it } from 'vitest'
import type { CommentDisplayPart, Reflection } from 'typedoc'
import {
  codeInHeadingAnchors,
  dropLineAnchors,
  headingOf,
  joinTexts,
  linkSymbols,
  siteAnchor,
  siteAnchors,
  siteHeadingLinks,
  unlinkedSymbols
} from '../scripts/typedoc/plugin.js'

const store = { name: 'Store' } as Reflection
const session = { name: 'Session' } as Reflection

/** Finds Store and Session, as the site's reflections would. */
const find = (name: string) => ({ Store: store, Session: session })[name]

/** `[`name`](path)` as TypeDoc 0.28 hands it over: five parts, the text before and after included. */
function written(before: string, name: string, path: string, after: string): CommentDisplayPart[] {
  return [
    { kind: 'text', text: before + '[' },
    { kind: 'code', text: '`' + name + '`' },
    { kind: 'text', text: '](' },
    { kind: 'relative-link', text: path, target: undefined, targetAnchor: undefined },
    { kind: 'text', text: ')' + after }
  ]
}

/** The link linkSymbols makes in place of a written one. */
function linked(target: Reflection): CommentDisplayPart {
  return { kind: 'inline-tag', tag: '@linkcode', text: target.name, target }
}

describe('the docs plugin', () => {
  it('names a document after its first level-one heading, without backticks and with a plain separator', () => {
    const parts: CommentDisplayPart[] = [
      { kind: 'text', text: '# 03 · ' },
      { kind: 'code', text: '`session(options)`' },
      { kind: 'text', text: '\n\n> text' }
    ]
    expect(headingOf(parts)).toBe('03. session(options)')
    expect(headingOf([{ kind: 'text', text: 'no heading here\n## only a second level' }])).toBeUndefined()
  })

  it('turns [`Store`](…/src/….ts) into a link to the Store reflection', () => {
    expect(linkSymbols(written('see ', 'Store', '../../src/session/store.ts', ' for more'), find)).toEqual([
      { kind: 'text', text: 'see ' },
      linked(store),
      { kind: 'text', text: ' for more' }
    ])
  })

  it('leaves links to unknown symbols, and links to files outside src/, as they are', () => {
    const unknown = written('', 'Nothing', '../../src/index.ts', '')
    const outside = written('', 'Store', '../../test/06-store.test.ts', '')
    expect(linkSymbols(unknown, find)).toEqual(unknown)
    expect(linkSymbols(outside, find)).toEqual(outside)
  })

  it('links whatever way the text around the link is cut into parts, and a link with a line anchor', () => {
    const [, code, , link] = written('see ', 'Store', '../../src/session/store.ts#L12', ' for more')
    const cut: CommentDisplayPart[] = [
      { kind: 'text', text: 'see' },
      { kind: 'text', text: ' ' },
      { kind: 'text', text: '[' },
      code,
      { kind: 'text', text: ']' },
      { kind: 'text', text: '(' },
      link,
      { kind: 'text', text: ')' },
      { kind: 'text', text: ' for more' }
    ]
    expect(linkSymbols(cut, find)).toEqual([
      { kind: 'text', text: 'see ' },
      linked(store),
      { kind: 'text', text: ' for more' }
    ])
  })

  it('links two written links in a row, where the text after the first opens the second', () => {
    const first = written('', 'Store', '../../src/session/store.ts', ' and ')
    const second = written('', 'Session', '../../src/session/session.ts', '.')
    const [closeFirst, openSecond] = [first[4], second[0]]
    const parts = [...first.slice(0, 4), { kind: 'text', text: closeFirst.text + openSecond.text }, ...second.slice(1)]
    expect(linkSymbols(parts as CommentDisplayPart[], find)).toEqual([
      { kind: 'text', text: '' },
      linked(store),
      { kind: 'text', text: ' and ' },
      linked(session),
      { kind: 'text', text: '.' }
    ])
  })

  it('reports a written link to a known symbol that was not turned into a link, and nothing once it was', () => {
    // the shape a TypeDoc that left the path as plain text would hand over
    const plain: CommentDisplayPart[] = [
      { kind: 'text', text: 'see [' },
      { kind: 'code', text: '`Store`' },
      { kind: 'text', text: '](../../src/session/store.ts) and [' },
      { kind: 'code', text: '`Nothing`' },
      { kind: 'text', text: '](../../src/index.ts)' }
    ]
    expect(unlinkedSymbols(linkSymbols(plain, find), find)).toEqual(['Store'])
    expect(
      unlinkedSymbols(linkSymbols(written('see ', 'Store', '../../src/session/store.ts', ''), find), find)
    ).toEqual([])
  })

  it('joins adjacent text parts and nothing else', () => {
    const code: CommentDisplayPart = { kind: 'code', text: '`x`' }
    expect(
      joinTexts([{ kind: 'text', text: 'a' }, { kind: 'text', text: 'b' }, code, { kind: 'text', text: 'c' }])
    ).toEqual([{ kind: 'text', text: 'ab' }, code, { kind: 'text', text: 'c' }])
  })

  it("drops GitHub's line anchors from links to source files, and keeps other anchors", () => {
    const link = (targetAnchor: string | undefined): CommentDisplayPart => ({
      kind: 'relative-link',
      text: '../../src/index.ts',
      target: undefined,
      targetAnchor
    })
    expect(dropLineAnchors([link('L12-L30'), link('L7'), link('classes'), link(undefined)])).toEqual([
      link(undefined),
      link(undefined),
      link('classes'),
      link(undefined)
    ])
  })

  it('makes a heading’s anchor on the site from all its text, inline code included, as GitHub does', () => {
    const inline = {
      type: 'inline',
      content: '`res.end` proxy',
      children: [
        { type: 'code_inline', content: 'res.end', children: null },
        { type: 'text', content: ' proxy', children: null }
      ]
    }
    const state = {
      tokens: [
        { type: 'heading_open', content: '', children: null },
        inline,
        { type: 'paragraph_open', content: '', children: null }
      ]
    }
    codeInHeadingAnchors(state)
    expect(inline.children[0].children).toEqual([{ type: 'text', content: 'res.end', children: null }])
    const paragraph = {
      type: 'inline',
      content: '`x`',
      children: [{ type: 'code_inline', content: 'x', children: null }]
    }
    codeInHeadingAnchors({ tokens: [{ type: 'paragraph_open', content: '', children: null }, paragraph] })
    expect(paragraph.children[0].children).toBeNull()
  })

  it('gives a heading the anchor the site gives it, which differs from GitHub’s only in TypeDoc’s punctuation', () => {
    expect(siteAnchor('Wrapping `save` and `reload`')).toBe('wrapping-save-and-reload')
    expect(siteAnchor('The `res.end` proxy')).toBe('the-resend-proxy')
    expect(siteAnchor('1 · `await` the session’s methods')).toBe('1-·-await-the-sessions-methods')
    expect([...siteAnchors('# T\n## `a` b\n## `a` b\n## x -- y\n```sh\n# no\n```\n')]).toEqual([
      ['t', 't'],
      ['a-b', 'a-b'],
      ['a-b-1', 'a-b-1'],
      ['x----y', 'x-y']
    ])
  })

  it('turns GitHub anchors of headings into the site’s, in links to other documents and within the page', () => {
    const link: CommentDisplayPart = {
      kind: 'relative-link',
      text: '../05-response-end/README.md',
      target: undefined,
      targetAnchor: 'the-resend-proxy'
    }
    const line: CommentDisplayPart = { ...link, text: '../../test/05-response-end.test.ts', targetAnchor: 'L12' }
    const text: CommentDisplayPart = {
      kind: 'text',
      text: 'see [the start](#wrapping-save-and-reload) and [x](#other)'
    }
    const out = siteHeadingLinks([link, line, text], new Map([['wrapping-save-and-reload', 'wrapping-and']]), (part) =>
      part.text.endsWith('.md') ? new Map([['the-resend-proxy', 'the-proxy']]) : undefined
    )
    expect(out).toEqual([
      { ...link, targetAnchor: 'the-proxy' },
      line,
      { kind: 'text', text: 'see [the start](#wrapping-and) and [x](#other)' }
    ])
  })
})
