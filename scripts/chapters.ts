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
 *
 * The documents are the chapters' READMEs and the pages of `notes/`. Two more
 * things in them are generated and checked the same way:
 *
 * - a link to a named test, `[“a tampered cookie starts a new session”](../../test/11-security.test.ts#L42)`,
 *   carries the line of the `it(…)` (or `it.each(…)(…)`, by its template) that
 *   defines the name; `npm run chapters` writes or corrects the `#L<line>`, and
 *   the check fails when it is missing, stale, or the name is not defined;
 * - under a skeleton marker, `<!-- skeleton: src/index.ts#session -->`, the
 *   outline of that function (see {@link outlineOf}), each part marked with the
 *   section that walks it (the heading above its region's inclusion), then the
 *   sections as links, then `<!-- /skeleton -->`.
 *
 * A link to a heading (`#anchor`, or `other.md#anchor` for a document) must
 * name one of the anchors GitHub gives that document's headings.
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

/** For each line of a Markdown text, whether it lies in a fenced code block (the fences included). */
export function fencedLines(lines: string[]): boolean[] {
  const inside: boolean[] = []
  let open: string | undefined
  for (const line of lines) {
    const fence = /^(`{3,})/.exec(line.trim())
    if (open !== undefined) {
      inside.push(true)
      if (fence && line.trim() === open) open = undefined
    } else {
      inside.push(fence !== null)
      if (fence) open = fence[1]
    }
  }
  return inside
}

/** The 1-based line of an offset in a text. */
function lineAt(text: string, offset: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++
  return line
}

/** Every match of a global pattern that lies outside the fenced blocks of a Markdown text. */
function matchesOutsideFences(text: string, pattern: RegExp): RegExpExecArray[] {
  const fenced = fencedLines(text.split('\n'))
  return [...text.matchAll(pattern)].filter((m) => !fenced[lineAt(text, m.index) - 1])
}

/**
 * Where each test of a test file is defined: the name as written in
 * `it('…')`, `test('…')` or `it.each(…)('…')` (so an `it.each` name is its
 * template, `%s` and all) → the 1-based lines of the calls that give it.
 */
export function testDefinitions(file: string, text: string): Map<string, number[]> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found = new Map<string, number[]>()
  const isTest = (node: ts.Node) => ts.isIdentifier(node) && (node.text === 'it' || node.text === 'test')
  const definesTests = (callee: ts.Expression) =>
    isTest(callee) ||
    (ts.isCallExpression(callee) &&
      ts.isPropertyAccessExpression(callee.expression) &&
      isTest(callee.expression.expression) &&
      ['each', 'for'].includes(callee.expression.name.text))
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && definesTests(node.expression)) {
      const name = node.arguments[0]
      if (name !== undefined && (ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name))) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
        found.set(name.text, [...(found.get(name.text) ?? []), line])
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/**
 * {@link testDefinitions} of the test files under `root`, each file read and
 * parsed once however many links name it (`undefined` for a file that does
 * not exist). Each call starts a cache of its own.
 */
export function testDefinitionsUnder(root: string): (file: string) => Map<string, number[]> | undefined {
  const definitions = new Map<string, Map<string, number[]> | undefined>()
  return (file) => {
    if (!definitions.has(file)) {
      const full = path.join(root, file)
      definitions.set(file, fs.existsSync(full) ? testDefinitions(file, fs.readFileSync(full, 'utf8')) : undefined)
    }
    return definitions.get(file)
  }
}

/** One link from a chapter (or a note) to a named test: `[“name”](../../test/NN-slug.test.ts#L42)`. */
export interface TestLink {
  chapter: string
  /** 1-based line of the link in the chapter. */
  line: number
  /** The test's name, as quoted (a name wrapped over two lines is read with one space). */
  name: string
  /** The test file, relative to the root. */
  file: string
  /** The link's target as written, without its anchor. */
  href: string
  /** The anchor as written (`#L42`), if there is one. */
  anchor?: string
  /** Offsets of the target, anchor included, in the chapter text. */
  from: number
  to: number
}

const TEST_LINK = /\[“([^”\]]+)”\]\(([^()\s#]+\.test\.ts)(#[^()\s]*)?\)/g

/** Find every link to a named test in a chapter, outside code blocks. */
export function parseTestLinks(chapter: string, text: string): TestLink[] {
  return matchesOutsideFences(text, TEST_LINK).map((m) => {
    const [, name, href, anchor] = m
    const from = m.index + `[“${name}”](`.length
    const link: TestLink = {
      chapter,
      line: lineAt(text, m.index),
      name: name.replace(/\s+/g, ' '),
      file: path.posix.normalize(path.posix.join(path.posix.dirname(chapter), href)),
      href,
      from,
      to: from + href.length + (anchor?.length ?? 0)
    }
    if (anchor !== undefined) link.anchor = anchor
    return link
  })
}

/**
 * Check a test link against its file's tests: the name must be defined, and
 * the anchor must be `#L<line>` of a call that defines it. Returns the
 * problem, if any, and the anchor the link should carry (the first
 * definition's line) when the name is defined.
 */
export function checkTestLink(
  link: TestLink,
  definitions: Map<string, number[]> | undefined
): { problem?: string; anchor?: string } {
  const at = `${link.chapter}:${link.line}`
  if (definitions === undefined) return { problem: `${at}: links ${link.href}, which does not exist` }
  const lines = definitions.get(link.name)
  if (lines === undefined) return { problem: `${at}: links “${link.name}”, which ${link.file} does not define` }
  if (lines.some((line) => link.anchor === `#L${line}`)) return { anchor: link.anchor }
  const anchor = `#L${lines[0]}`
  const found = link.anchor === undefined ? 'has no line anchor' : `points to ${link.anchor}`
  return {
    problem: `${at}: the link to “${link.name}” ${found}; it is defined at ${link.file}:${lines[0]} (run npm run chapters)`,
    anchor
  }
}

/** Give every test link of a chapter the anchor of its test's line; links to unknown tests are left alone. */
export function rewriteTestLinks(
  chapter: string,
  text: string,
  definitionsOf: (file: string) => Map<string, number[]> | undefined
): string {
  let out = text
  for (const link of parseTestLinks(chapter, text).reverse()) {
    const { anchor } = checkTestLink(link, definitionsOf(link.file))
    if (anchor !== undefined) out = out.slice(0, link.from) + link.href + anchor + out.slice(link.to)
  }
  return out
}

/** One heading of a Markdown text, with the anchor GitHub gives it. */
export interface Heading {
  /** 1-based line. */
  line: number
  /** 1 for `#`, 2 for `##` … */
  level: number
  /** The heading's Markdown, `#`s and closing `#`s left out. */
  text: string
  anchor: string
}

/**
 * The anchor GitHub gives a heading: its text without Markdown (inline code
 * keeps its content, a link its text), lower-cased, every character that is
 * not a letter, a digit, `_`, `-` or a space dropped, and each space made a
 * hyphen.
 */
export function githubAnchor(markdown: string): string {
  const plain = markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
  return plain
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

/** Every ATX heading of a Markdown text outside code blocks; a repeated anchor gets `-1`, `-2` … as on GitHub. */
export function headingsOf(text: string): Heading[] {
  const lines = text.split('\n')
  const fenced = fencedLines(lines)
  const seen = new Map<string, number>()
  const headings: Heading[] = []
  lines.forEach((line, index) => {
    const match = /^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line)
    if (!match || fenced[index]) return
    const base = githubAnchor(match[2])
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    headings.push({
      line: index + 1,
      level: match[1].length,
      text: match[2],
      anchor: count === 0 ? base : `${base}-${count}`
    })
  })
  return headings
}

/**
 * Check every link to a heading (`#anchor`, or `other.md#anchor` for a
 * document in `anchorsOf`) in a chapter: the anchor must be one of that
 * document's heading anchors. Line anchors and other files are not checked here.
 */
export function anchorProblems(
  chapter: string,
  text: string,
  anchorsOf: (doc: string) => Set<string> | undefined
): string[] {
  const problems: string[] = []
  for (const m of matchesOutsideFences(text, /\]\(([^()\s#]*)#([^()\s]+)\)/g)) {
    const [, href, anchor] = m
    if (href !== '' && !href.endsWith('.md')) continue
    const doc = href === '' ? chapter : path.posix.normalize(path.posix.join(path.posix.dirname(chapter), href))
    const anchors = anchorsOf(doc)
    if (anchors !== undefined && !anchors.has(anchor))
      problems.push(`${chapter}:${lineAt(text, m.index)}: links ${href}#${anchor}, but ${doc} has no such heading`)
  }
  return problems
}

/** One line of a function's outline: how deep it sits, its text, and the source line it stands for. */
export interface OutlineLine {
  depth: number
  text: string
  line: number
}

/** How wide a line of declarations may grow (indentation included) before the next one starts a new line. */
export const OUTLINE_WIDTH = 80

/** A statement of an outline before packing: a short declaration, a line of its own, or code that is not a declaration. */
type OutlineItem =
  | { kind: 'small'; keyword: string; names: string[]; text: string; line: number }
  | { kind: 'line'; text: string; line: number }
  | { kind: 'open'; head: string; body: ts.Block; line: number; tail: string }
  | { kind: 'other'; line: number }

/** The function inside `as …`, `satisfies …` and parentheses, if that is what an expression is. */
function functionIn(node: ts.Expression): ts.FunctionExpression | ts.ArrowFunction | undefined {
  let inner: ts.Expression = node
  while (ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner) || ts.isParenthesizedExpression(inner))
    inner = inner.expression
  return ts.isFunctionExpression(inner) || ts.isArrowFunction(inner) ? inner : undefined
}

/**
 * The outline of the top-level function `name` of a file, in the order and
 * nesting of the source:
 * - a run of `const`/`let`/`var`, `type` and `interface` declarations shows
 *   their names (`const a, b; let c`), packed up to {@link OUTLINE_WIDTH};
 * - a function declaration shows its name and parameters, body elided:
 *   `function shouldSave(req) { … }`;
 * - a function handed out as a value — returned, assigned (`res.end = function end(…)`)
 *   or passed (`store.on('connect', function onconnect() { … })`) — is shown
 *   the same way, except that one whose body declares functions (or opens
 *   such a value) is opened, like the outer function itself, with its own
 *   declarations inside;
 * - a run of other statements is `…`.
 * Runs are packed only within one group (`groupOf` a source line), so a line
 * of the outline never stands for code of two groups.
 */
export function outlineOf(
  file: string,
  text: string,
  name: string,
  groupOf: (line: number) => string = () => ''
): OutlineLine[] | undefined {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const fn = source.statements.find(
    (s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name
  )
  if (fn?.body === undefined) return undefined
  const startOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1
  const endOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getEnd()).line + 1
  const params = (f: ts.SignatureDeclaration) =>
    f.parameters.map((p) => (p.dotDotDotToken ? '...' : '') + p.name.getText(source)).join(', ')
  const head = (f: ts.FunctionLikeDeclaration) =>
    ts.isArrowFunction(f)
      ? `(${params(f)}) =>`
      : `function${f.name === undefined ? ' ' : ` ${f.name.getText(source)}`}(${params(f)})`
  const opens = (f: ts.FunctionLikeDeclaration): f is ts.FunctionLikeDeclaration & { body: ts.Block } =>
    f.body !== undefined &&
    ts.isBlock(f.body) &&
    f.body.statements.some((s) => ts.isFunctionDeclaration(s) || itemOf(s).kind === 'open')
  const asValue = (prefix: string, f: ts.FunctionExpression | ts.ArrowFunction, line: number): OutlineItem =>
    opens(f)
      ? { kind: 'open', head: `${prefix}${head(f)}`, body: f.body, line, tail: '' }
      : { kind: 'line', text: `${prefix}${head(f)} { … }`, line }
  const argument = (arg: ts.Expression) => {
    const f = functionIn(arg)
    if (f) return `${head(f)} { … }`
    const text = arg.getText(source)
    return text.length <= 24 && !text.includes('\n') ? text : '…'
  }
  const itemOf = (statement: ts.Statement): OutlineItem => {
    const line = startOf(statement)
    if (ts.isVariableStatement(statement)) {
      const flags = statement.declarationList.flags
      const keyword = flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var'
      const names = statement.declarationList.declarations.map((d) => d.name.getText(source))
      return { kind: 'small', keyword, names, text: `${keyword} ${names.join(', ')}`, line }
    }
    if (ts.isTypeAliasDeclaration(statement))
      return { kind: 'small', keyword: 'type', names: [], text: `type ${statement.name.text} = …`, line }
    if (ts.isInterfaceDeclaration(statement))
      return { kind: 'small', keyword: 'interface', names: [], text: `interface ${statement.name.text} { … }`, line }
    if (ts.isFunctionDeclaration(statement)) return { kind: 'line', text: `${head(statement)} { … }`, line }
    const returned = ts.isReturnStatement(statement) && statement.expression && functionIn(statement.expression)
    if (returned) return asValue('return ', returned, line)
    if (ts.isExpressionStatement(statement)) {
      const expr = statement.expression
      const assigned =
        ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.EqualsToken && functionIn(expr.right)
      if (assigned) return asValue(`${expr.left.getText(source)} = `, assigned, line)
      if (ts.isCallExpression(expr) && expr.arguments.some((a) => functionIn(a) !== undefined))
        return {
          kind: 'line',
          text: `${expr.expression.getText(source)}(${expr.arguments.map(argument).join(', ')})`,
          line
        }
    }
    return { kind: 'other', line }
  }
  const out: OutlineLine[] = []
  const block = (statements: readonly ts.Statement[], depth: number) => {
    let last: (OutlineLine & { item: OutlineItem }) | undefined
    for (const item of statements.map(itemOf)) {
      const sameGroup = last !== undefined && groupOf(last.line) === groupOf(item.line)
      if (item.kind === 'other' && sameGroup && last?.item.kind === 'other') continue
      if (item.kind === 'small' && sameGroup && last?.item.kind === 'small') {
        const previous = last.item
        const joined =
          previous.keyword === item.keyword && item.names.length > 0
            ? `${last.text}, ${item.names.join(', ')}`
            : `${last.text}; ${item.text}`
        if (depth * 2 + joined.length <= OUTLINE_WIDTH) {
          last.text = joined
          last.item = item
          continue
        }
      }
      if (item.kind === 'open') {
        out.push({ depth, text: `${item.head} {`, line: item.line })
        block(item.body.statements, depth + 1)
        out.push({ depth, text: `}${item.tail}`, line: endOf(item.body) })
        last = undefined
        continue
      }
      const text = item.kind === 'other' ? '…' : item.text
      last = { depth, text, line: item.line, item }
      out.push(last)
    }
  }
  out.push({ depth: 0, text: `${head(fn)} {`, line: startOf(fn) })
  block(fn.body.statements, 1)
  out.push({ depth: 0, text: '}', line: endOf(fn.body) })
  return out.map(({ depth, text, line }) => ({ depth, text, line }))
}

/** The section of the book that walks a piece of code: a heading of a chapter. */
export interface Section {
  chapter: string
  /** The chapter's title, its first `# heading` (`04 · The request flow`). */
  title: string
  /** The heading's Markdown (`Wrapping \`save\` and \`reload\``), or the title for code shown before any `##`. */
  heading: string
  /** The heading's anchor; empty for the title. */
  anchor: string
}

/** `04` of `04 · The request flow`, or the whole title of a page without a number. */
function shortTitle(title: string): string {
  return /^(\d\d) · /.exec(title)?.[1] ?? title.replace(/`/g, '')
}

/** A link from one chapter to a section of another (or of itself, by anchor alone). */
function sectionHref(from: string, section: Section): string {
  const file = section.chapter === from ? '' : path.posix.relative(path.posix.dirname(from), section.chapter)
  return section.anchor === '' ? file || '#' : `${file}#${section.anchor}`
}

/**
 * The Markdown a skeleton marker stands above: the outline in a ```ts block,
 * each part (a run of lines walked in one section) marked at its first line
 * with a comment naming the section, all comments in one column; then, since
 * GitHub links nothing inside a code block, the sections as links, by chapter
 * in order of first appearance; then the end marker.
 */
export function renderSkeleton(chapter: string, outline: OutlineLine[], sectionOf: (line: number) => Section): string {
  const code = outline.map((l) => '  '.repeat(l.depth) + l.text)
  const sections = outline.map((l) => sectionOf(l.line))
  const key = (s: Section) => `${s.chapter}#${s.anchor}`
  const starts = sections.map((s, i) => i === 0 || key(s) !== key(sections[i - 1]))
  const column = Math.max(...code.filter((_, i) => starts[i]).map((c) => c.length)) + 2
  const lines = code.map((c, i) =>
    starts[i] ? `${c.padEnd(column)}// ${shortTitle(sections[i].title)} · ${sections[i].heading.replace(/`/g, '')}` : c
  )
  const byChapter = new Map<string, Section[]>()
  for (const s of sections) {
    const list = byChapter.get(s.chapter) ?? []
    if (!list.some((t) => key(t) === key(s))) list.push(s)
    byChapter.set(s.chapter, list)
  }
  const items = [...byChapter].map(([file, list]) => {
    const title = list[0].title
    const name =
      file === chapter
        ? `${title} (this chapter)`
        : `[${title}](${path.posix.relative(path.posix.dirname(chapter), file)})`
    return `- ${name}: ${list.map((s) => `[${s.heading}](${sectionHref(chapter, s)})`).join(' · ')}`
  })
  const fence = fenceFor(lines.join('\n'))
  return [`${fence}ts`, ...lines, fence, '', 'Where each part is walked:', '', ...items, '', SKELETON_END].join('\n')
}

const SKELETON = /^<!-- skeleton: ([^#\s]+)#([^\s]+) -->$/
/** The line that closes what `npm run chapters` writes under a skeleton marker. */
export const SKELETON_END = '<!-- /skeleton -->'

/** A skeleton marker in a chapter, and the generated text below it. */
export interface SkeletonMarker {
  chapter: string
  /** 1-based line of the `<!-- skeleton: file#function -->` marker. */
  line: number
  file: string
  name: string
  /** What lies under the marker now, up to and including the end marker (empty when there is none yet). */
  current: string
  /** Offsets of that text in the chapter. */
  from: number
  to: number
}

/**
 * Find every skeleton marker of a chapter. What belongs to a marker runs to
 * the end marker; without one, to the end of a fenced block directly below
 * the marker; without that, nothing (so a freshly written marker is filled in).
 */
export function parseSkeletons(chapter: string, text: string): SkeletonMarker[] {
  const lines = text.split('\n')
  const fenced = fencedLines(lines)
  const offsets: number[] = []
  let offset = 0
  for (const line of lines) {
    offsets.push(offset)
    offset += line.length + 1
  }
  const markers: SkeletonMarker[] = []
  lines.forEach((line, index) => {
    const match = SKELETON.exec(line.trim())
    if (!match || fenced[index]) return
    const from = offsets[index] + line.length + 1
    const nextMarker = lines.findIndex((l, i) => i > index && SKELETON.test(l.trim()))
    const end = lines.findIndex((l, i) => i > index && l.trim() === SKELETON_END)
    let last = index
    if (end !== -1 && (nextMarker === -1 || end < nextMarker)) last = end
    else if (/^`{3,}/.test(lines[index + 1] ?? '')) {
      const fence = /^(`{3,})/.exec(lines[index + 1])?.[1]
      const close = lines.findIndex((l, i) => i > index + 1 && l.trim() === fence)
      if (close !== -1) last = close
    }
    const to = last === index ? from : offsets[last] + lines[last].length + 1
    markers.push({
      chapter,
      line: index + 1,
      file: match[1],
      name: match[2],
      current: text.slice(from, Math.min(to, text.length)),
      from,
      to: Math.min(to, text.length)
    })
  })
  return markers
}

/** Put the fresh skeleton under each marker; markers whose skeleton cannot be made are left alone. */
export function rewriteSkeletons(
  chapter: string,
  text: string,
  skeletonOf: (file: string, name: string) => string | undefined
): string {
  let out = text
  for (const marker of parseSkeletons(chapter, text).reverse()) {
    const fresh = skeletonOf(marker.file, marker.name)
    if (fresh === undefined) continue
    const after = out.slice(marker.to)
    // a blank line between the end marker and what follows it
    const gap = after === '' || after.startsWith('\n') ? '' : '\n'
    out = out.slice(0, marker.from) + fresh + '\n' + gap + after
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
  /**
   * The documents (relative to root): the chapters' READMEs and the notes.
   * Each may include regions, link tests by name and hold skeleton markers.
   */
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
    // the recipes in notes/ show code from the test that runs it
    otherSources: [
      ...listFiles(root, 'demo', ts),
      ...listFiles(root, 'chapters', ts),
      ...['test/recipes.test.ts'].filter((file) => fs.existsSync(path.join(root, file)))
    ],
    chapters: [
      ...listFiles(root, 'chapters', (name) => name.endsWith('.md')),
      ...listFiles(root, 'notes', (name) => name.endsWith('.md'))
    ],
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
  /** Document path → its text with every block, test link and skeleton rewritten. */
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

/**
 * A function that finds the section walking a line of a source file: the
 * heading above the one inclusion of the region that holds the line.
 */
function sectionFinder(
  regions: Region[],
  inclusions: Inclusion[],
  headings: Map<string, Heading[]>
): (file: string, line: number) => Section | undefined {
  return (file, line) => {
    const region = regions.find((r) => r.file === file && r.start < line && line < r.end)
    const inc = region && inclusions.find((i) => i.file === file && i.name === region.name)
    if (inc === undefined) return undefined
    const list = headings.get(inc.chapter) ?? []
    const title = list.find((h) => h.level === 1)?.text ?? inc.chapter
    const above = list.filter((h) => h.level > 1 && h.line < inc.line).pop()
    return above === undefined
      ? { chapter: inc.chapter, title, heading: title, anchor: '' }
      : { chapter: inc.chapter, title, heading: above.text, anchor: above.anchor }
  }
}

/** The skeleton of `file#name` for a chapter, or the problems that keep it from being made. */
function skeleton(
  chapter: string,
  file: string,
  name: string,
  read: (rel: string) => string,
  sectionOf: (file: string, line: number) => Section | undefined
): { text?: string; problems: string[] } {
  let source: string
  try {
    source = read(file)
  } catch {
    return { problems: [`the skeleton names ${file}, which does not exist`] }
  }
  const group = (line: number) => {
    const s = sectionOf(file, line)
    return s === undefined ? '' : `${s.chapter}#${s.anchor}`
  }
  const outline = outlineOf(file, source, name, group)
  if (outline === undefined)
    return { problems: [`the skeleton names ${name}, which ${file} does not declare at its top level`] }
  const missing = outline.filter((l) => sectionOf(file, l.line) === undefined)
  if (missing.length > 0)
    return {
      problems: missing.map((l) => `the skeleton's line for ${file}:${l.line} lies in no region a chapter includes`)
    }
  return { text: renderSkeleton(chapter, outline, (line) => sectionOf(file, line) as Section), problems: [] }
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
  const texts = new Map(layout.chapters.map((chapter) => [chapter, read(chapter)]))
  for (const [chapter, text] of texts) {
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
  const headings = new Map([...texts].map(([chapter, text]) => [chapter, headingsOf(text)]))
  const anchors = new Map([...headings].map(([chapter, list]) => [chapter, new Set(list.map((h) => h.anchor))]))
  const definitionsOf = testDefinitionsUnder(layout.root)
  const sectionOf = sectionFinder(regions, inclusions, headings)
  const skeletons = new Map<string, { text?: string; problems: string[] }>()
  const skeletonFor = (chapter: string, file: string, name: string) => {
    const key = `${chapter} ${file}#${name}`
    if (!skeletons.has(key))
      skeletons.set(
        key,
        skeleton(chapter, file, name, (rel) => texts.get(rel) ?? read(rel), sectionOf)
      )
    return skeletons.get(key) as { text?: string; problems: string[] }
  }
  const rewritten = new Map<string, string>()
  for (const [chapter, text] of texts) {
    for (const link of parseTestLinks(chapter, text)) {
      const { problem } = checkTestLink(link, definitionsOf(link.file))
      if (problem !== undefined) problems.push(problem)
    }
    problems.push(...anchorProblems(chapter, text, (doc) => anchors.get(doc)))
    for (const marker of parseSkeletons(chapter, text)) {
      const made = skeletonFor(chapter, marker.file, marker.name)
      problems.push(...made.problems.map((p) => `${chapter}:${marker.line}: ${p}`))
      if (made.text !== undefined && marker.current.replace(/\n$/, '') !== made.text)
        problems.push(
          `${chapter}:${marker.line}: the skeleton of ${marker.file}#${marker.name} is stale (run npm run chapters)`
        )
    }
    const included = rewrite(text, parseInclusions(chapter, text).inclusions, regionOf)
    const linked = rewriteTestLinks(chapter, included, definitionsOf)
    rewritten.set(
      chapter,
      rewriteSkeletons(chapter, linked, (file, name) => skeletonFor(chapter, file, name).text)
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
