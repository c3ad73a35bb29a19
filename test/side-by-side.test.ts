/**
 * Side by side: each file that mirrors express-session 1.19.0 declares its
 * functions where upstream does — same name, same parameters, same
 * enclosing function, same order — so a reader can hold the two open at once.
 * Both sides are parsed with TypeScript's compiler API; upstream's files are
 * the installed package, never a copy.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const upstreamDir = path.dirname(require.resolve('express-session/package.json'))

/** Our file and upstream's twin. */
const pairs: Array<[ours: string, upstream: string]> = [
  ['src/index.ts', 'index.js'],
  ['src/session/cookie.ts', 'session/cookie.js'],
  ['src/session/session.ts', 'session/session.js'],
  ['src/session/store.ts', 'session/store.js'],
  ['src/session/memory.ts', 'session/memory.js']
]

/** One function with a body, as a reader finds it in the file. */
interface FunctionEntry {
  /** Its own name, or the name it is assigned to; `(anonymous)` for a bare callback. */
  name: string
  /** The names of the functions it sits in, outermost first. */
  within: string[]
  /** Its parameters' names, without TypeScript's `this` parameter. */
  params: string[]
}

/** Step out of the wrappers TypeScript adds around an expression (`as`, parentheses, `!`). */
function outer(node: ts.Node): ts.Node {
  let parent = node.parent
  while (
    ts.isAsExpression(parent) ||
    ts.isParenthesizedExpression(parent) ||
    ts.isSatisfiesExpression(parent) ||
    ts.isNonNullExpression(parent)
  )
    parent = parent.parent
  return parent
}

/** What a reader would call a function: its own name, or what it is assigned or attached to. */
function nameOf(fn: ts.SignatureDeclaration, file: ts.SourceFile): string {
  const accessor = ts.isGetAccessorDeclaration(fn) ? 'get ' : ts.isSetAccessorDeclaration(fn) ? 'set ' : ''
  if (fn.name) return accessor + fn.name.getText(file)
  const parent = outer(fn)
  if (ts.isPropertyAssignment(parent) || ts.isVariableDeclaration(parent)) return parent.name.getText(file)
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken)
    return parent.left.getText(file)
  return '(anonymous)'
}

/** Every function with a body in a file, in source order, with the functions it sits in. */
function functionsOf(fileName: string, text: string): FunctionEntry[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true)
  const found: FunctionEntry[] = []
  const visit = (node: ts.Node, within: string[]) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const name = nameOf(node, file)
      const params = node.parameters.map((p) => p.name.getText(file)).filter((p) => p !== 'this')
      found.push({ name, within, params })
      ts.forEachChild(node, (child) => visit(child, [...within, name]))
      return
    }
    ts.forEachChild(node, (child) => visit(child, within))
  }
  visit(file, [])
  return found
}

/** One line per function: where it sits, its name and its parameters. */
function describeEntry(entry: FunctionEntry): string {
  return [...entry.within, `${entry.name}(${entry.params.join(', ')})`].join(' > ')
}

/**
 * The module-level callbacks without a name, which the two sides do not
 * share: upstream's `setImmediate` fallback for Node.js 0.8, and our
 * `debug` that does nothing when its namespace is off.
 */
const unsharedModuleCallbacks: Record<string, { ours: string[]; upstream: string[] }> = {
  'src/index.ts': { ours: ['(anonymous)()'], upstream: ['(anonymous)(fn)'] },
  'src/session/memory.ts': { ours: [], upstream: ['(anonymous)(fn)'] }
}

/** Split a file's functions into the shared ones and the unshared module-level callbacks. */
function split(entries: FunctionEntry[]): { shared: string[]; unshared: string[] } {
  const unsharedEntry = (e: FunctionEntry) => e.within.length === 0 && e.name === '(anonymous)'
  return {
    shared: entries.filter((e) => !unsharedEntry(e)).map(describeEntry),
    unshared: entries.filter(unsharedEntry).map(describeEntry)
  }
}

/** The text of every comment in a file, one entry per comment, lines kept. */
function commentsOf(text: string, jsx = false): string[] {
  const scanner = ts.createScanner(
    ts.ScriptTarget.Latest,
    false,
    jsx ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard,
    text
  )
  const out: string[] = []
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia)
      out.push(scanner.getTokenText())
  }
  return out
}

/** A comment's lines as bare lower-case words, markers and punctuation gone, empty lines dropped. */
function wordsOf(comment: string): string[] {
  return comment
    .split('\n')
    .map((line) =>
      line
        .replace(/^\s*(\/\/+|\/\*+!?|\*+\/|\*)/, '')
        .replace(/\*+\/\s*$/, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, ' ')
        .trim()
    )
    .filter((line) => line !== '')
}

/**
 * The comments of ours that repeat upstream's: a line equal to one of
 * upstream's, or a comment that holds one of upstream's comments (four
 * words or more) anywhere in it.
 */
function copiedComments(ours: string, upstream: string): string[] {
  const theirs = commentsOf(upstream).map(wordsOf)
  const theirLines = new Set(theirs.flat())
  const theirWhole = theirs.map((lines) => lines.join(' ')).filter((whole) => whole.split(' ').length >= 4)
  return commentsOf(ours).filter((comment) => {
    const lines = wordsOf(comment)
    const whole = lines.join(' ')
    return lines.some((line) => theirLines.has(line)) || theirWhole.some((text) => whole.includes(text))
  })
}

describe('side by side with express-session 1.19.0', () => {
  it('the installed express-session, which the comparison reads, is exactly 1.19.0', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(upstreamDir, 'package.json'), 'utf8')) as { version: string }
    expect(pkg.version).toBe('1.19.0')
  })

  it.each(pairs)(
    '%s declares the functions of upstream %s in the same places, order, names and parameters',
    (oursFile, upstreamFile) => {
      const ours = split(functionsOf(oursFile, fs.readFileSync(path.join(root, oursFile), 'utf8')))
      const upstream = split(functionsOf(upstreamFile, fs.readFileSync(path.join(upstreamDir, upstreamFile), 'utf8')))
      expect(ours.shared).toEqual(upstream.shared)
      const expected = unsharedModuleCallbacks[oursFile] ?? { ours: [], upstream: [] }
      expect({ ours: ours.unshared, upstream: upstream.unshared }).toEqual(expected)
    }
  )

  it("src/index.ts has every one of upstream's 21 function declarations inside the same function", () => {
    const declarations = (fileName: string, text: string) => {
      const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true)
      const out: string[] = []
      const visit = (node: ts.Node, within: string[]) => {
        const name = ts.isFunctionDeclaration(node) ? node.name?.text : undefined
        if (name) out.push([...within, name].join(' > '))
        const here = ts.isFunctionLike(node) ? [...within, nameOf(node, file)] : within
        ts.forEachChild(node, (child) => visit(child, here))
      }
      visit(file, [])
      return out
    }
    const upstream = declarations('index.js', fs.readFileSync(path.join(upstreamDir, 'index.js'), 'utf8'))
    const ours = declarations('index.ts', fs.readFileSync(path.join(root, 'src/index.ts'), 'utf8'))
    expect(upstream).toHaveLength(21)
    expect(ours).toEqual(upstream)
  })

  it.each(pairs)('%s has no comment copied from upstream %s', (oursFile, upstreamFile) => {
    const ours = fs.readFileSync(path.join(root, oursFile), 'utf8')
    const upstream = fs.readFileSync(path.join(upstreamDir, upstreamFile), 'utf8')
    expect(copiedComments(ours, upstream)).toEqual([])
  })

  it('the comment check notices a copied line, a copied comment inside a longer one, and lets our own words pass', () => {
    const upstream =
      '// self-awareness\nx()\n/**\n * Hash the given `sess` object omitting changes to `.cookie`.\n */\n'
    const ours = [
      '  // Self-Awareness!',
      '/** We hash the given sess object, omitting changes to .cookie, and more. */',
      '// a session middleware mounted earlier has already done the work'
    ].join('\n')
    expect(copiedComments(ours, upstream)).toEqual([
      '// Self-Awareness!',
      '/** We hash the given sess object, omitting changes to .cookie, and more. */'
    ])
  })

  it('the comparison notices a helper moved out of the middleware', () => {
    const inside = 'function session() { return function session(req) { function shouldSave(req) {} } }'
    const hoisted = 'function session() { return function session(req) {} }\nfunction shouldSave(state) {}'
    expect(functionsOf('a.js', inside).map(describeEntry)).toEqual([
      'session()',
      'session > session(req)',
      'session > session > shouldSave(req)'
    ])
    expect(functionsOf('b.ts', hoisted).map(describeEntry)).not.toEqual(functionsOf('a.js', inside).map(describeEntry))
  })
})
