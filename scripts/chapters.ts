/**
 * Chapters and source stay in sync.
 *
 * A source file marks named regions:
 *
 *     // #region name
 *     ...code...
 *     // #endregion name
 *
 * A chapter includes one with an HTML comment on its own line, directly
 * above a fenced code block:
 *
 *     <!-- source: src/session/cookie.ts#serialize -->
 *     ```ts
 *     ...the region's lines, markers left out, common indentation removed...
 *     ```
 *
 * `npm run chapters` rewrites every included block from its region;
 * `npm run chapters -- --check` (and test/chapters.test.ts) reports every
 * block that differs, every inclusion of a missing region, every region
 * included nowhere or more than once, and every non-blank line of a
 * library file that lies outside a region.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** One named region of a source file. */
export interface Region {
  file: string
  name: string
  /** 1-based line numbers of the two marker lines. */
  start: number
  end: number
  /** The code between the markers, common indentation removed. */
  code: string
}

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
}

const START = /^\s*\/\/ #region ([^\s]+)\s*$/
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

/**
 * Parse the regions of one source text. Problems (bad names, nesting,
 * mismatched or missing markers, duplicates, and — when `strict` — code
 * outside any region) are returned, not thrown.
 */
export function parseRegions(file: string, text: string, strict: boolean): { regions: Region[]; problems: string[] } {
  const lines = text.split('\n')
  const regions: Region[] = []
  const problems: string[] = []
  let open: { name: string; start: number; body: string[] } | undefined
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
      open = { name, start: index + 1, body: [] }
    } else if (end) {
      if (!open) problems.push(`${at}: #endregion ${end[1]} without a matching #region`)
      else if (open.name !== end[1]) problems.push(`${at}: #endregion ${end[1]} closes region "${open.name}"`)
      else regions.push({ file, name: open.name, start: open.start, end: index + 1, code: dedent(open.body) })
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
    const from = offsets[i + 1]
    const to = offsets[close] + lines[close].length
    inclusions.push({
      chapter,
      line: i + 1,
      file: match[1],
      name: match[2],
      lang: fence[2],
      fence: fence[1],
      code: lines.slice(i + 2, close).join('\n'),
      from,
      to
    })
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

/** Rewrite a chapter's included blocks from their regions; unknown regions are left alone. */
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
}

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

/** This repository's layout, as DESIGN.md describes it. */
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
    otherSources: [...listFiles(root, 'src/demo', ts), ...listFiles(root, 'chapters', ts)],
    chapters: listFiles(root, 'chapters', (name) => name.endsWith('.md'))
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

/** Check (and compute the rewrite of) every chapter against every region. */
export function sync(layout: Layout): SyncReport {
  const problems: string[] = []
  const regions: Region[] = []
  const read = (rel: string) => fs.readFileSync(path.join(layout.root, rel), 'utf8')
  for (const file of layout.libraryFiles) {
    const parsed = parseRegions(file, read(file), true)
    regions.push(...parsed.regions)
    problems.push(...parsed.problems)
  }
  for (const file of layout.otherSources) {
    const parsed = parseRegions(file, read(file), false)
    regions.push(...parsed.regions)
    problems.push(...parsed.problems)
  }
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
