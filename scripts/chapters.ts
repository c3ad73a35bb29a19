/**
 * Chapters and source stay in sync.
 *
 * A source file marks named regions:
 *
 *     // #region name (index.js 185-228)
 *     ...code...
 *     // #endregion name
 *
 * In the five files that mirror express-session (`src/index.ts` and
 * `src/session/*.ts`) every `#region` marker names its counterpart in
 * upstream's twin file at v1.19.0, as `(file a-b)`, or says `(ours only)`.
 *
 * A chapter includes a region with an HTML comment on its own line, directly
 * above a fenced code block, under a one-line caption:
 *
 *     Source: [src/session/cookie.ts lines 150–198](../../src/session/cookie.ts#L150-L198) · express-session [session/cookie.js lines 47–152](https://github.com/…)
 *     <!-- source: src/session/cookie.ts#prototype -->
 *     ```ts
 *     ...the region's lines, markers left out, common indentation removed...
 *     ```
 *
 * `npm run chapters` rewrites every included block and its caption from the
 * region; `npm run chapters -- --check` (and test/chapters.test.ts) reports
 * every block or caption that differs, every inclusion of a missing region,
 * every region included nowhere or more than once, every non-blank line of a
 * library file outside a region, every marker that is not indented like the
 * code beside it or that cuts a function or an object literal in two, and
 * every upstream range that does not hold what its region holds (checked
 * against the installed `node_modules/express-session`, which must be 1.19.0).
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** One named region of a source file. */
export interface Region {
  file: string
  name: string
  /** 1-based line numbers of the two marker lines. */
  start: number
  end: number
  /** The code between the markers, common indentation removed. */
  code: string
  /** What the `#region` marker says of upstream: a range in the twin file, or that there is none. */
  counterpart?: Counterpart
}

/** A region's counterpart in upstream: lines of a file at v1.19.0, or `'ours only'`. */
export type Counterpart = { file: string; from: number; to: number } | 'ours only'

/** One inclusion of a region in a chapter. */
export interface Inclusion {
  chapter: string
  /** 1-based line of the `<!-- source: … -->` comment. */
  line: number
  file: string
  name: string
  /** The code currently inside the fenced block. */
  code: string
  /** Offsets of the whole fenced block (fences included) in the chapter text, for rewriting. */
  from: number
  to: number
  /** The fence used (three or more backticks). */
  fence: string
  /** The fence's info string (`ts`). */
  lang: string
  /** The caption line directly above the comment, if there is one. */
  caption?: string
  /** Offset of the caption line, or of the comment line when there is no caption. */
  captionFrom: number
  /** Offset of the `<!-- source: … -->` comment line. */
  commentFrom: number
}

const START = /^\s*\/\/ #region ([^\s(]+)(?:\s+\((.*)\))?\s*$/
const COUNTERPART = /^([\w/.-]+\.js) (\d+)(?:-(\d+))?$/
const CAPTION = /^Source: \[/
const END = /^\s*\/\/ #endregion ([^\s]+)\s*$/
const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const INCLUDE = /^<!-- source: ([^#\s]+)#([^\s]+) -->$/

/** Remove the indentation all non-blank lines share; trailing blank lines go too. */
export function dedent(lines: string[]): string {
  const trimmedEnd = [...lines]
  while (trimmedEnd.length > 0 && trimmedEnd[trimmedEnd.length - 1].trim() === '') trimmedEnd.pop()
  while (trimmedEnd.length > 0 && trimmedEnd[0].trim() === '') trimmedEnd.shift()
  const indents = trimmedEnd.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0)
  const cut = indents.length === 0 ? 0 : Math.min(...indents)
  return trimmedEnd.map((l) => (l.trim() === '' ? '' : l.slice(cut).replace(/\s+$/, ''))).join('\n')
}

/** Read a marker's note, `(ours only)` or `(index.js 185-228)`: the counterpart, or the problem with it. */
function parseCounterpart(note: string | undefined): { counterpart?: Counterpart; problem?: string } {
  if (note === undefined) return {}
  if (note === 'ours only') return { counterpart: 'ours only' }
  const match = COUNTERPART.exec(note)
  if (!match) return { problem: `"(${note})" is neither "(ours only)" nor "(file.js a-b)"` }
  const [from, to] = [Number(match[2]), Number(match[3] ?? match[2])]
  if (from < 1 || to < from) return { problem: `"(${note})" is not a range of lines` }
  return { counterpart: { file: match[1], from, to } }
}

/**
 * Parse the regions of one source text. Problems (bad names, nesting,
 * mismatched or missing markers, duplicates, unreadable notes, and — when
 * `strict` — code outside any region) are returned, not thrown.
 */
export function parseRegions(file: string, text: string, strict: boolean): { regions: Region[]; problems: string[] } {
  const lines = text.split('\n')
  const regions: Region[] = []
  const problems: string[] = []
  let open: { name: string; start: number; body: string[]; counterpart?: Counterpart } | undefined
  lines.forEach((line, index) => {
    const at = `${file}:${index + 1}`
    const start = START.exec(line)
    const end = END.exec(line)
    if (start) {
      const name = start[1]
      if (open) problems.push(`${at}: region "${name}" starts inside region "${open.name}" (regions do not nest)`)
      if (!KEBAB.test(name)) problems.push(`${at}: region name "${name}" is not kebab-case`)
      if (regions.some((r) => r.name === name) || open?.name === name)
        problems.push(`${at}: region "${name}" is defined twice`)
      const { counterpart, problem } = parseCounterpart(start[2])
      if (problem) problems.push(`${at}: ${problem}`)
      open = { name, start: index + 1, body: [] }
      if (counterpart) open.counterpart = counterpart
    } else if (end) {
      if (!open) problems.push(`${at}: #endregion ${end[1]} without a matching #region`)
      else if (open.name !== end[1]) problems.push(`${at}: #endregion ${end[1]} closes region "${open.name}"`)
      else {
        const region: Region = { file, name: open.name, start: open.start, end: index + 1, code: dedent(open.body) }
        if (open.counterpart) region.counterpart = open.counterpart
        regions.push(region)
      }
      open = undefined
    } else if (open) {
      open.body.push(line)
    } else if (strict && line.trim() !== '') {
      problems.push(`${at}: line outside any region: ${line.trim().slice(0, 60)}`)
    }
  })
  if (open) problems.push(`${file}:${open.start}: region "${open.name}" is never closed`)
  return { regions, problems }
}

/** The width of a line's leading whitespace. */
function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)?.[0].length ?? 0
}

/** The 1-based lines on which a node starts and ends, leading comments left out. */
function linesOf(node: ts.Node, file: ts.SourceFile): [number, number] {
  return [
    file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1,
    file.getLineAndCharacterOfPosition(node.getEnd()).line + 1
  ]
}

/** The name a function goes by in its file: its own, or the variable or property it is given to. */
function functionName(fn: ts.Node): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name) return fn.name.text
  return undefined
}

/**
 * Check that a file's markers follow its code: each is indented like the
 * statements of the block it sits in, and none falls inside a function or
 * an object literal — except in the bodies of the functions named in
 * `openBodies`, which may be cut between two statements.
 */
export function markerProblems(file: string, text: string, regions: Region[], openBodies: string[] = []): string[] {
  const lines = text.split('\n')
  const problems: string[] = []
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const contains = (node: ts.Node, line: number) => {
    if (node.kind === ts.SyntaxKind.SyntaxList && node.getChildCount(source) === 0) return false
    const [from, to] = linesOf(node, source)
    return from < line && line < to
  }
  // the smallest node that spans the marker's line, from a line before it to a line after it
  const innermost = (line: number): ts.Node => {
    let node: ts.Node = source
    for (;;) {
      const child = node.getChildren(source).find((c) => contains(c, line))
      if (!child) return node
      node = child
    }
  }
  const container = (node: ts.Node): ts.Node => (node.kind === ts.SyntaxKind.SyntaxList ? node.parent : node)
  const allowed = (node: ts.Node): boolean => {
    const around = container(node)
    if (ts.isSourceFile(around) || ts.isClassDeclaration(around) || ts.isClassExpression(around)) return true
    const name = ts.isBlock(around) ? functionName(around.parent) : undefined
    return name !== undefined && openBodies.includes(name)
  }
  const describe = (node: ts.Node): string => {
    const around = container(node)
    if (ts.isBlock(around) && ts.isFunctionLike(around.parent))
      return `function ${functionName(around.parent) ?? '(anonymous)'}`
    if (ts.isObjectLiteralExpression(around)) return 'an object literal'
    return `a ${ts.SyntaxKind[around.kind]}`
  }
  // the indentation of the statements (or class members) around the marker
  const expectedIndent = (node: ts.Node): number | undefined => {
    const around = container(node)
    const first =
      ts.isSourceFile(around) || ts.isBlock(around)
        ? around.statements[0]
        : ts.isClassLike(around)
          ? around.members[0]
          : undefined
    return first === undefined ? undefined : indentOf(lines[linesOf(first, source)[0] - 1])
  }
  for (const region of regions) {
    for (const [line, word] of [
      [region.start, 'region'],
      [region.end, 'endregion']
    ] as const) {
      const node = innermost(line)
      if (!allowed(node)) problems.push(`${file}:${line}: #${word} ${region.name} cuts ${describe(node)} in two`)
      const indent = expectedIndent(node)
      if (indent !== undefined && indentOf(lines[line - 1]) !== indent)
        problems.push(`${file}:${line}: #${word} ${region.name} is not indented like the code around it`)
    }
  }
  return problems
}

/**
 * One thing a piece of code holds, found on both sides of a comparison:
 * - `declares`: a variable, function, class or runtime import it declares, a
 *   method of an object literal, a property it assigns (by its last name, so `exports.Store` and
 *   `session.Store` are both `Store`), or `exports` for what it exports;
 * - `string`: a string literal (error, warning and debug strings are
 *   identical on both sides), leaving out types and `typeof` tags;
 * - `calls`, `assigns`, `member`: a function it calls, a variable it
 *   assigns, a member of an object literal it writes — weaker signs, used
 *   only to tell how far the region's counterpart reaches.
 */
export interface Item {
  kind: 'declares' | 'string' | 'calls' | 'assigns' | 'member'
  name: string
  line: number
  /** The line on which the item's code ends. */
  end: number
  /** Declares a function or a class. */
  isFunction: boolean
}

/** Every {@link Item} of a file, in the order they come. */
export function itemsOf(fileName: string, text: string): Item[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true)
  const items: Item[] = []
  const add = (kind: Item['kind'], name: string, node: ts.Node, isFunction = false) =>
    items.push({ kind, name, line: linesOf(node, source)[0], end: linesOf(node, source)[1], isFunction })
  const lastName = (node: ts.Expression): string | undefined =>
    ts.isPropertyAccessExpression(node) ? node.name.text : ts.isIdentifier(node) ? node.text : undefined
  const isTypeofTag = (node: ts.Node) =>
    ts.isBinaryExpression(node.parent) &&
    (ts.isTypeOfExpression(node.parent.left) || ts.isTypeOfExpression(node.parent.right))
  const visit = (node: ts.Node): void => {
    if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return
    if (ts.isImportDeclaration(node) && node.importClause?.isTypeOnly) return
    if (ts.isExportDeclaration(node) && node.isTypeOnly) return
    if (ts.isImportSpecifier(node) && node.isTypeOnly) return
    if (ts.isModuleDeclaration(node) && node.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return
    if ((ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isClassDeclaration(node)) && node.name)
      add('declares', node.name.text, node, true)
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) add('declares', node.name.text, node)
    if (ts.isImportClause(node) && node.name) add('declares', node.name.text, node)
    if (ts.isImportSpecifier(node)) add('declares', node.name.text, node)
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      if (ts.isPropertyAccessExpression(node.left)) add('declares', node.left.name.text, node)
      else if (ts.isIdentifier(node.left)) add('assigns', node.left.text, node)
    }
    if (ts.isExportAssignment(node)) add('declares', 'exports', node)
    if (ts.isExportSpecifier(node)) {
      const exported = ts.isStringLiteral(node.name) ? node.name.text : node.name.getText(source)
      if (exported === 'default' || exported === 'module.exports') add('declares', 'exports', node)
    }
    if (ts.isCallExpression(node)) {
      const name = lastName(node.expression)
      if (name !== undefined) add('calls', name, node)
    }
    if (ts.isObjectLiteralElementLike(node) && node.name !== undefined && ts.isObjectLiteralExpression(node.parent)) {
      const method =
        ts.isMethodDeclaration(node) ||
        ts.isAccessor(node) ||
        (ts.isPropertyAssignment(node) && ts.isFunctionExpression(node.initializer))
      add(method ? 'declares' : 'member', node.name.getText(source), node, method)
    }
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && !isTypeofTag(node))
      add('string', JSON.stringify(node.text), node)
    ts.forEachChild(node, visit)
  }
  visit(source)
  return items
}

/** Is this line of code more than a comment, a blank or closing punctuation? */
function isCode(line: string): boolean {
  const trimmed = line.trim()
  return trimmed !== '' && !/^(\/\/|\/\*|\*)/.test(trimmed) && !/^[\])};,]+$/.test(trimmed)
}

/** How many lines of code an upstream range may hold beyond the span of what it shares with its region. */
export const SLACK = 3

/** Is this upstream statement one of the open bodies, or the `return` that hands one out? */
function isOpen(statement: ts.Node, openBodies: string[]): boolean {
  const fn = ts.isReturnStatement(statement) && statement.expression ? statement.expression : statement
  const name = functionName(fn)
  return name !== undefined && openBodies.includes(name)
}

/**
 * Check a region's upstream range against upstream's text:
 * - every name the region declares, and every string it holds, that
 *   upstream's file also has is found within the range;
 * - the range shares something with the region at all;
 * - the range holds no whole function the region does not declare;
 * - the range cuts no statement and no block comment of upstream's in two
 *   (except the open bodies, which regions cut too);
 * - the range holds at most {@link SLACK} lines of code outside the span of
 *   what it shares with the region.
 * A region that says `(ours only)` must declare nothing upstream's file
 * declares, and must not be made only of what upstream has.
 */
export function counterpartProblems(
  regionItems: Item[],
  counterpart: Counterpart,
  upstreamText: string,
  openBodies: string[] = []
): string[] {
  const upstream = itemsOf('upstream.js', upstreamText)
  const key = (item: Item) => `${item.kind} ${item.name}`
  const named = (name: string) => name.replace(/^\w+ /, '')
  const held = new Set(regionItems.map(key))
  const upstreamKeys = new Set(upstream.map(key))
  if (counterpart === 'ours only') {
    const declared = [...held].filter((k) => k.startsWith('declares ') && upstreamKeys.has(k))
    const problems = declared.map((k) => {
      const line = upstream.find((u) => key(u) === k)?.line
      return `says ours only, but upstream declares ${named(k)} (line ${line})`
    })
    if (declared.length === 0 && held.size > 0 && [...held].every((k) => upstreamKeys.has(k)))
      problems.push('says ours only, but everything it holds is in upstream too')
    return problems
  }
  const { from, to } = counterpart
  const problems: string[] = []
  const within = upstream.filter((u) => u.line >= from && u.line <= to)
  const strict = [...held].filter((k) => k.startsWith('declares ') || k.startsWith('string '))
  for (const k of strict) {
    const elsewhere = upstream.filter((u) => key(u) === k)
    if (elsewhere.length > 0 && !within.some((u) => key(u) === k))
      problems.push(
        `holds ${named(k)}, which upstream has at line ${elsewhere.map((u) => u.line).join(', ')}, outside ${from}-${to}`
      )
  }
  const shared = within.filter((u) => held.has(key(u)))
  if (shared.length === 0) return [...problems, `shares nothing with upstream lines ${from}-${to}`]
  for (const u of within)
    if (u.isFunction && u.end <= to && !held.has(key(u)))
      problems.push(`upstream lines ${from}-${to} also hold ${u.name} (line ${u.line}), which the region does not`)
  const source = ts.createSourceFile('upstream.js', upstreamText, ts.ScriptTarget.Latest, true)
  const cut: string[] = []
  const visit = (node: ts.Node) => {
    if (ts.isStatement(node) && !ts.isBlock(node)) {
      const [start, end] = linesOf(node, source)
      const contains = start <= from && end >= to
      const inside = start >= from && end <= to
      const overlaps = start <= to && end >= from
      if (overlaps && !contains && !inside && !isOpen(node, openBodies)) cut.push(`${start}-${end}`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, upstreamText)
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind !== ts.SyntaxKind.MultiLineCommentTrivia) continue
    const start = source.getLineAndCharacterOfPosition(scanner.getTokenStart()).line + 1
    const end = source.getLineAndCharacterOfPosition(scanner.getTokenEnd()).line + 1
    if ((start < from && from <= end) || (start <= to && to < end)) cut.push(`${start}-${end} (a comment)`)
  }
  if (cut.length > 0) problems.push(`upstream lines ${from}-${to} cut in two what is at ${cut.join(', ')}`)
  const first = Math.min(...shared.map((u) => u.line))
  const last = Math.max(...shared.map((u) => u.line))
  const lines = upstreamText.split('\n')
  const outside = [...lines.slice(from - 1, first - 1), ...lines.slice(last, to)].filter(isCode)
  if (outside.length > SLACK)
    problems.push(
      `upstream lines ${from}-${to} reach beyond what the region holds (${first}-${last}): ${outside.length} more lines of code`
    )
  return problems
}

/** `lines 3–9` and `#L3-L9`, or `line 3` and `#L3` for a single line. */
function lineRange(from: number, to: number): { text: string; anchor: string } {
  return from === to
    ? { text: `line ${from}`, anchor: `#L${from}` }
    : { text: `lines ${from}–${to}`, anchor: `#L${from}-L${to}` }
}

/** The caption of an included block: our lines, and upstream's or "ours only". */
export function captionFor(chapter: string, region: Region, upstreamTag: string = UPSTREAM_TAG): string {
  const ours = lineRange(region.start + 1, region.end - 1)
  const href = path.posix.relative(path.posix.dirname(chapter), region.file)
  const caption = `Source: [${region.file} ${ours.text}](${href}${ours.anchor})`
  const counterpart = region.counterpart
  if (counterpart === undefined || counterpart === 'ours only') return `${caption} · ours only`
  const theirs = lineRange(counterpart.from, counterpart.to)
  const url = `https://github.com/expressjs/session/blob/${upstreamTag}/${counterpart.file}${theirs.anchor}`
  return `${caption} · express-session [${counterpart.file} ${theirs.text}](${url})`
}

/** Find every inclusion in one chapter text. A comment not followed by a fenced block is a problem. */
export function parseInclusions(chapter: string, text: string): { inclusions: Inclusion[]; problems: string[] } {
  const inclusions: Inclusion[] = []
  const problems: string[] = []
  const lines = text.split('\n')
  const offsets: number[] = []
  let offset = 0
  for (const line of lines) {
    offsets.push(offset)
    offset += line.length + 1
  }
  let fenceOpen: string | undefined
  for (let i = 0; i < lines.length; i++) {
    // a fenced block that is not an inclusion is prose's own example: skip its content
    const fenceLine = /^(`{3,})/.exec(lines[i].trim())
    if (fenceOpen !== undefined) {
      if (fenceLine && lines[i].trim() === fenceOpen) fenceOpen = undefined
      continue
    }
    if (fenceLine) {
      fenceOpen = fenceLine[1]
      continue
    }
    const match = INCLUDE.exec(lines[i].trim())
    if (!match) {
      if (lines[i].includes('<!-- source:'))
        problems.push(`${chapter}:${i + 1}: malformed inclusion: ${lines[i].trim()}`)
      continue
    }
    const fence = /^(`{3,})(\w*)\s*$/.exec(lines[i + 1] ?? '')
    if (!fence) {
      problems.push(`${chapter}:${i + 1}: inclusion of ${match[1]}#${match[2]} is not directly above a fenced block`)
      continue
    }
    let close = i + 2
    while (close < lines.length && lines[close].trim() !== fence[1]) close++
    if (close >= lines.length) {
      problems.push(`${chapter}:${i + 2}: fenced block is never closed`)
      continue
    }
    const hasCaption = i > 0 && CAPTION.test(lines[i - 1])
    const inclusion: Inclusion = {
      chapter,
      line: i + 1,
      file: match[1],
      name: match[2],
      lang: fence[2],
      fence: fence[1],
      code: lines.slice(i + 2, close).join('\n'),
      from: offsets[i + 1],
      to: offsets[close] + lines[close].length,
      captionFrom: hasCaption ? offsets[i - 1] : offsets[i],
      commentFrom: offsets[i]
    }
    if (hasCaption) inclusion.caption = lines[i - 1]
    inclusions.push(inclusion)
    i = close
  }
  return { inclusions, problems }
}

/**
 * The fence for a block of code: three backticks, or one more than the
 * longest run of backticks inside the code, so that an example in a doc
 * comment cannot close the block early.
 */
export function fenceFor(code: string): string {
  const longest = Math.max(0, ...[...code.matchAll(/`+/g)].map((m) => m[0].length))
  return '`'.repeat(Math.max(3, longest + 1))
}

/**
 * Rewrite a chapter's included blocks from their regions, each under its
 * caption, with a blank line above the caption; unknown regions are left alone.
 */
export function rewrite(
  text: string,
  inclusions: Inclusion[],
  regionOf: (file: string, name: string) => Region | undefined
): string {
  let out = text
  for (const inc of [...inclusions].sort((a, b) => b.from - a.from)) {
    const region = regionOf(inc.file, inc.name)
    if (!region) continue
    const fence = fenceFor(region.code)
    const body = region.code === '' ? '' : region.code + '\n'
    out = out.slice(0, inc.from) + `${fence}${inc.lang}\n${body}${fence}` + out.slice(inc.to)
    const before = out.slice(0, inc.captionFrom)
    const gap = before === '' || before.endsWith('\n\n') ? '' : '\n'
    out = before + gap + captionFor(inc.chapter, region) + '\n' + out.slice(inc.commentFrom)
  }
  return out
}

/** The repository's layout: which files are library files, which are chapters. */
export interface Layout {
  root: string
  /** Files every line of which must lie in a region (relative to root). */
  libraryFiles: string[]
  /** Other files that may hold regions (relative to root). */
  otherSources: string[]
  /** Chapter READMEs (relative to root). */
  chapters: string[]
  /** Library files that mirror a file of express-session: ours → upstream's (relative to its package). */
  twins: Record<string, string>
  /** Per library file, the functions whose bodies regions may cut between statements. */
  openBodies: Record<string, string[]>
  /** The folder of the installed express-session. */
  upstreamDir: string
}

/** The release of express-session the library mirrors, and the tag its captions link to. */
export const UPSTREAM_VERSION = '1.19.0'
export const UPSTREAM_TAG = `v${UPSTREAM_VERSION}`

/** List files under `dir` (relative to root) whose names match. */
function listFiles(root: string, dir: string, match: (name: string) => boolean): string[] {
  const full = path.join(root, dir)
  if (!fs.existsSync(full)) return []
  const out: string[] = []
  for (const entry of fs.readdirSync(full, { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listFiles(root, rel, match))
    else if (match(entry.name)) out.push(rel)
  }
  return out.sort()
}

/** This repository's layout: the library, the chapters, and the twins in express-session. */
export function repositoryLayout(root: string): Layout {
  const ts = (name: string) => name.endsWith('.ts')
  return {
    root,
    libraryFiles: [
      'src/index.ts',
      ...listFiles(root, 'src/session', ts),
      ...listFiles(root, 'src/stores', ts),
      ...listFiles(root, 'src/extras', ts)
    ],
    otherSources: [...listFiles(root, 'demo', ts), ...listFiles(root, 'chapters', ts)],
    chapters: listFiles(root, 'chapters', (name) => name.endsWith('.md')),
    twins: {
      'src/index.ts': 'index.js',
      'src/session/cookie.ts': 'session/cookie.js',
      'src/session/memory.ts': 'session/memory.js',
      'src/session/session.ts': 'session/session.js',
      'src/session/store.ts': 'session/store.js'
    },
    // session() and the middleware it returns are far too long for one block
    openBodies: { 'src/index.ts': ['session'] },
    upstreamDir: path.join(root, 'node_modules', 'express-session')
  }
}

/** Everything the check finds, and the rewritten chapters. */
export interface SyncReport {
  problems: string[]
  regions: Region[]
  inclusions: Inclusion[]
  /** Chapter path → its text with every block rewritten. */
  rewritten: Map<string, string>
}

/** Check each mirroring file's regions against upstream's twin: notes present, ranges right, order kept. */
function upstreamProblems(layout: Layout, regions: Region[], read: (rel: string) => string): string[] {
  const problems: string[] = []
  const pkg = path.join(layout.upstreamDir, 'package.json')
  const version = fs.existsSync(pkg)
    ? (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version
    : 'none'
  if (version !== UPSTREAM_VERSION)
    return [`node_modules/express-session is ${version}, not ${UPSTREAM_VERSION}: run npm install`]
  for (const [file, twin] of Object.entries(layout.twins)) {
    const items = itemsOf(file, read(file))
    const upstreamText = fs.readFileSync(path.join(layout.upstreamDir, twin), 'utf8')
    let previous: Region | undefined
    for (const region of regions.filter((r) => r.file === file)) {
      const at = `${file}:${region.start}: region "${region.name}"`
      const counterpart = region.counterpart
      if (counterpart === undefined) {
        problems.push(`${at} needs a note: (${twin} a-b) or (ours only)`)
        continue
      }
      if (counterpart !== 'ours only' && counterpart.file !== twin) {
        problems.push(`${at} names ${counterpart.file}, but its twin is ${twin}`)
        continue
      }
      const held = items.filter((item) => item.line > region.start && item.line < region.end)
      for (const problem of counterpartProblems(held, counterpart, upstreamText, layout.openBodies[file]))
        problems.push(`${at} ${problem}`)
      if (counterpart === 'ours only') continue
      const last = previous?.counterpart
      if (previous && typeof last === 'object' && counterpart.to < last.to)
        problems.push(`${at} comes after "${previous.name}" but mirrors earlier upstream lines`)
      previous = region
    }
  }
  return problems
}

/** Check (and compute the rewrite of) every chapter against every region. */
export function sync(layout: Layout): SyncReport {
  const problems: string[] = []
  const regions: Region[] = []
  const read = (rel: string) => fs.readFileSync(path.join(layout.root, rel), 'utf8')
  for (const file of layout.libraryFiles) {
    const text = read(file)
    const parsed = parseRegions(file, text, true)
    regions.push(...parsed.regions)
    problems.push(...parsed.problems)
    problems.push(...markerProblems(file, text, parsed.regions, layout.openBodies[file]))
    if (!(file in layout.twins))
      for (const region of parsed.regions)
        if (typeof region.counterpart === 'object')
          problems.push(
            `${file}:${region.start}: region "${region.name}" names upstream lines, but ${file} has no twin`
          )
  }
  for (const file of layout.otherSources) {
    const parsed = parseRegions(file, read(file), false)
    regions.push(...parsed.regions)
    problems.push(...parsed.problems)
  }
  problems.push(...upstreamProblems(layout, regions, read))
  const byKey = new Map(regions.map((r) => [`${r.file}#${r.name}`, r]))
  const regionOf = (file: string, name: string) => byKey.get(`${file}#${name}`)
  const inclusions: Inclusion[] = []
  const rewritten = new Map<string, string>()
  for (const chapter of layout.chapters) {
    const text = read(chapter)
    const parsed = parseInclusions(chapter, text)
    problems.push(...parsed.problems)
    inclusions.push(...parsed.inclusions)
    for (const inc of parsed.inclusions) {
      const region = regionOf(inc.file, inc.name)
      if (!region) problems.push(`${chapter}:${inc.line}: includes ${inc.file}#${inc.name}, which does not exist`)
      else if (inc.code !== region.code)
        problems.push(
          `${chapter}:${inc.line}: the block of ${inc.file}#${inc.name} differs from the source (run npm run chapters)`
        )
      else if (inc.fence !== fenceFor(region.code))
        problems.push(
          `${chapter}:${inc.line}: the block of ${inc.file}#${inc.name} needs the fence ${fenceFor(region.code)} (run npm run chapters)`
        )
      else if (inc.caption !== captionFor(chapter, region))
        problems.push(
          `${chapter}:${inc.line}: the caption of ${inc.file}#${inc.name} is ${inc.caption === undefined ? 'missing' : 'not its lines'} (run npm run chapters)`
        )
    }
    rewritten.set(chapter, rewrite(text, parsed.inclusions, regionOf))
  }
  for (const region of regions) {
    const uses = inclusions.filter((inc) => inc.file === region.file && inc.name === region.name)
    if (uses.length === 0)
      problems.push(`${region.file}:${region.start}: region "${region.name}" is included in no chapter`)
    if (uses.length > 1)
      problems.push(
        `${region.file}:${region.start}: region "${region.name}" is included ${uses.length} times (${uses.map((u) => u.chapter).join(', ')})`
      )
  }
  return { problems, regions, inclusions, rewritten }
}

/** The command line: rewrite (default) or `--check`. */
function main(argv: string[]): number {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const layout = repositoryLayout(root)
  const report = sync(layout)
  if (!argv.includes('--check')) {
    let changed = 0
    for (const [chapter, text] of report.rewritten) {
      const full = path.join(root, chapter)
      if (fs.readFileSync(full, 'utf8') !== text) {
        fs.writeFileSync(full, text)
        changed++
        console.log(`rewrote ${chapter}`)
      }
    }
    const remaining = sync(layout).problems
    for (const problem of remaining) console.error(problem)
    console.log(
      `${report.regions.length} regions, ${report.inclusions.length} inclusions, ${changed} chapter(s) rewritten`
    )
    return remaining.length === 0 ? 0 : 1
  }
  for (const problem of report.problems) console.error(problem)
  console.log(
    `${report.regions.length} regions, ${report.inclusions.length} inclusions, ${report.problems.length} problem(s)`
  )
  return report.problems.length === 0 ? 0 : 1
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.exit(main(process.argv.slice(2)))
}
