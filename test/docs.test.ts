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
  linkSymbols,
  siteAnchor,
  siteAnchors,
  siteHeadingLinks
} from '../scripts/typedoc/plugin.js'

const store = { name: 'Store' } as Reflection

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
    const parts: CommentDisplayPart[] = [
      { kind: 'text', text: 'see [' },
      { kind: 'code', text: '`Store`' },
      { kind: 'text', text: '](' },
      { kind: 'relative-link', text: '../../src/session/store.ts', target: undefined, targetAnchor: undefined },
      { kind: 'text', text: ') for more' }
    ]
    expect(linkSymbols(parts, (name) => (name === 'Store' ? store : undefined))).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'inline-tag', tag: '@linkcode', text: 'Store', target: store },
      { kind: 'text', text: ' for more' }
    ])
  })

  it('leaves links to unknown symbols, and links to files outside src/, as they are', () => {
    const unknown: CommentDisplayPart[] = [
      { kind: 'text', text: '[' },
      { kind: 'code', text: '`Nothing`' },
      { kind: 'text', text: '](' },
      { kind: 'relative-link', text: '../../src/index.ts', target: undefined, targetAnchor: undefined },
      { kind: 'text', text: ')' }
    ]
    const outside: CommentDisplayPart[] = [
      { kind: 'text', text: '[' },
      { kind: 'code', text: '`Store`' },
      { kind: 'text', text: '](' },
      { kind: 'relative-link', text: '../../test/06-store.test.ts', target: undefined, targetAnchor: undefined },
      { kind: 'text', text: ')' }
    ]
    const find = (name: string) => (name === 'Store' ? store : undefined)
    expect(linkSymbols(unknown, find)).toEqual(unknown)
    expect(linkSymbols(outside, find)).toEqual(outside)
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
