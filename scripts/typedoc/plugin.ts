/**
 * The docs site's own TypeDoc plugin:
 *
 * - a chapter or note is named after its first `# heading`, so the
 *   Markdown files need no frontmatter and read cleanly on GitHub;
 * - a link written as [`Store`](../../src/session/store.ts) goes to the
 *   source file on GitHub and to the API page of `Store` on the site;
 * - a caption's link to source lines (`../../src/index.ts#L12-L30`, GitHub's
 *   line anchors) and a link to a test's line (`../../test/07-cookie.test.ts#L25`)
 *   open the file without the anchor, which the site's copies do not have;
 * - a heading's anchor on the site is made from all its text, inline code
 *   included, as GitHub's is (TypeDoc alone would leave the code out, so that
 *   `## \`createSession\`` became `#_`); where the two still differ (TypeDoc
 *   keeps `·`, and joins a run of hyphens), a link written with GitHub's anchor
 *   gets the site's;
 * - `session`, exported both as default and as `'module.exports'` (for
 *   CommonJS), is documented once, under its own name;
 * - ```mermaid blocks are drawn in the browser by a copy of Mermaid shipped
 *   with the site (no CDN), through the customJs loader next to this file.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { headingsOf } from '../chapters.js'
import {
  Converter,
  DocumentReflection,
  ReflectionKind,
  type ContainerReflection,
  RendererEvent,
  type Application,
  type CommentDisplayPart,
  type ProjectReflection,
  type RelativeLinkDisplayPart,
  type Reflection
} from 'typedoc'

const require = createRequire(import.meta.url)

/**
 * Name a document after the first level-one heading of its content, without
 * the backticks of inline code: `# 03 · \`session(options)\`` is "03. session(options)".
 */
export function headingOf(content: CommentDisplayPart[]): string | undefined {
  const text = content.map((part) => part.text).join('')
  const match = /^# (.+)$/m.exec(text)
  return match ? match[1].replaceAll('`', '').replace(' · ', '. ').trim() : undefined
}

/**
 * Join runs of adjacent text parts into one. TypeDoc may cut a text
 * anywhere (at a line break, before a link); joined, the parts read the
 * same and a pattern over them does not depend on where the cuts fell.
 */
export function joinTexts(content: CommentDisplayPart[]): CommentDisplayPart[] {
  const out: CommentDisplayPart[] = []
  for (const part of content) {
    const last = out[out.length - 1]
    if (part.kind === 'text' && last?.kind === 'text')
      out[out.length - 1] = { kind: 'text', text: last.text + part.text }
    else out.push(part)
  }
  return out
}

/** The symbol a code span names: `Name`, `a.b` or `name()`, without backticks and parentheses. */
function symbolOf(part: CommentDisplayPart | undefined): string | undefined {
  return part?.kind === 'code' ? /^`([\w.]+)(?:\(\))?`$/.exec(part.text)?.[1] : undefined
}

/** Whether a link's path (an anchor after `#` allowed) is a TypeScript file under `src/`. */
function isSourceLink(part: CommentDisplayPart | undefined): boolean {
  return part?.kind === 'relative-link' && /(^|\/)src\/[^#]+\.ts(#.*)?$/.test(part.text)
}

/**
 * Turn `[`Name`](path/to/src/file.ts)` into a link to the reflection called
 * `Name` (a trailing `()` is allowed), wherever such a reflection exists.
 * After the text parts are joined, such a link is five parts: text ending
 * in `[`, the code span, the text `](`, the relative link, text starting
 * with `)`.
 */
export function linkSymbols(
  content: CommentDisplayPart[],
  find: (name: string) => Reflection | undefined
): CommentDisplayPart[] {
  const parts = joinTexts(content)
  const out: CommentDisplayPart[] = []
  for (let i = 0; i < parts.length; i++) {
    const [open, code, middle, link, close] = parts.slice(i, i + 5)
    const name = symbolOf(code)
    const target = name !== undefined ? find(name) : undefined
    if (
      open?.kind === 'text' &&
      open.text.endsWith('[') &&
      middle?.kind === 'text' &&
      middle.text === '](' &&
      isSourceLink(link) &&
      close?.kind === 'text' &&
      close.text.startsWith(')') &&
      target !== undefined &&
      name !== undefined
    ) {
      out.push({ kind: 'text', text: open.text.slice(0, -1) })
      out.push({ kind: 'inline-tag', tag: '@linkcode', text: code.text.slice(1, -1), target })
      // what follows the ")" is looked at next: it may open the next link ("… and [")
      parts[i + 4] = { kind: 'text', text: close.text.slice(1) }
      i += 3
      continue
    }
    out.push(parts[i])
  }
  return joinTexts(out)
}

/**
 * The names written as `[`Name`](…/src/….ts)` that still stand as plain
 * Markdown although a reflection of that name exists: what
 * {@link linkSymbols} should have turned into links and did not, because
 * TypeDoc cut the text in a way it does not expect.
 */
export function unlinkedSymbols(
  content: CommentDisplayPart[],
  find: (name: string) => Reflection | undefined
): string[] {
  const text = content.map((part) => (part.kind === 'inline-tag' ? '' : part.text)).join('')
  const written = text.matchAll(/\[`([\w.]+)(?:\(\))?`\]\((?:[^)\s]*\/)?src\/[^)\s#]+\.ts(?:#[^)\s]*)?\)/g)
  return [...written].map((match) => match[1]).filter((name) => find(name) !== undefined)
}

/** Drop GitHub's line anchors (`#L12` or `#L12-L30`) from relative links, which the site cannot honour. */
export function dropLineAnchors(content: CommentDisplayPart[]): CommentDisplayPart[] {
  return content.map((part) =>
    part.kind === 'relative-link' && part.targetAnchor !== undefined && /^L\d+(?:-L\d+)?$/.test(part.targetAnchor)
      ? { ...part, targetAnchor: undefined }
      : part
  )
}

/**
 * The anchor the site gives a heading, as TypeDoc 0.28 makes it from the
 * heading's text (with {@link codeInHeadingAnchors}, inline code included):
 * a link's text kept, trimmed, TypeDoc's punctuation dropped, each white
 * space made a hyphen, the first run of hyphens made one, lower-cased.
 */
export function siteAnchor(markdown: string): string {
  const text = markdown
    .replace(/`/g, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
  const slug = text
    .trim()
    .replace(/[\u2000-\u206F\u2E00-\u2E7F\\'!"#$%&()*+,./:;<=>?@[\]^`{|}~]/g, '')
    .replace(/\s/g, '-')
    .replace(/--+/, '-')
  return (slug || '_').toLowerCase()
}

/** The part of a markdown-it token this plugin reads and writes. */
interface MarkdownToken {
  type: string
  content: string
  children: MarkdownToken[] | null
}

/** The part of a markdown-it parser this plugin uses. */
interface MarkdownParser {
  core: { ruler: { push(name: string, rule: (state: { tokens: MarkdownToken[] }) => void): void } }
}

/**
 * A markdown-it rule: give each inline code span of a heading a text child
 * holding its code. TypeDoc makes a heading's anchor from the text children
 * of its tokens, so the code then counts, as on GitHub; the code span is
 * still drawn from its own content.
 */
export function codeInHeadingAnchors(state: { tokens: MarkdownToken[] }): void {
  state.tokens.forEach((token, i) => {
    if (token.type !== 'heading_open') return
    for (const child of state.tokens[i + 1]?.children ?? [])
      if (child.type === 'code_inline') child.children = [{ type: 'text', content: child.content, children: null }]
  })
}

/** For each heading of a document, GitHub's anchor → the site's (repeats numbered as each numbers them). */
export function siteAnchors(markdown: string): Map<string, string> {
  const seen = new Map<string, number>()
  const anchors = new Map<string, string>()
  for (const heading of headingsOf(markdown)) {
    const base = siteAnchor(heading.text)
    let count = seen.get(base)
    let slug = base
    if (count !== undefined) {
      do {
        count++
        slug = `${base}-${count}`
      } while (seen.has(slug))
    }
    seen.set(base, count ?? 0)
    anchors.set(heading.anchor, slug)
  }
  return anchors
}

/**
 * Give links to headings the site's anchors: a relative link to another
 * document through `anchorsOf` its target, and a link within the page
 * (`](#anchor)`, left in the text by TypeDoc) through `own`.
 */
export function siteHeadingLinks(
  content: CommentDisplayPart[],
  own: Map<string, string>,
  anchorsOf: (part: RelativeLinkDisplayPart) => Map<string, string> | undefined
): CommentDisplayPart[] {
  return content.map((part) => {
    if (part.kind === 'relative-link' && part.targetAnchor !== undefined) {
      const anchor = anchorsOf(part)?.get(part.targetAnchor)
      return anchor === undefined ? part : { ...part, targetAnchor: anchor }
    }
    if (part.kind === 'text')
      return { ...part, text: part.text.replace(/\]\(#([^()\s]+)\)/g, (_all, a: string) => `](#${own.get(a) ?? a})`) }
    return part
  })
}

/** A document's Markdown, put back together from its parts. */
function markdownOf(content: CommentDisplayPart[]): string {
  return content.map((part) => part.text).join('')
}

/** The containers of the exports: each entry point's module, or the project itself. */
function exportContainers(project: ProjectReflection): ContainerReflection[] {
  const modules = (project.children ?? []).filter((child) => child.kindOf(ReflectionKind.Module))
  return modules.length > 0 ? modules : [project]
}

/** Every document of the project, however deep. */
function allDocuments(project: ProjectReflection): DocumentReflection[] {
  const found: DocumentReflection[] = []
  const visit = (docs: DocumentReflection[] | undefined) => {
    for (const doc of docs ?? []) {
      found.push(doc)
      visit(doc.children)
    }
  }
  visit(project.documents)
  return found
}

/** The plugin's entry point, called by TypeDoc. */
export function load(app: Application): void {
  // TypeDoc reads its options again after loading plugins: add the rule once they are final
  app.converter.on(Converter.EVENT_BEGIN, () => {
    const loadMarkdownIt = app.options.getValue('markdownItLoader') as (parser: MarkdownParser) => void
    app.options.setValue('markdownItLoader', (parser: MarkdownParser) => {
      loadMarkdownIt(parser)
      parser.core.ruler.push('code-in-heading-anchors', codeInHeadingAnchors)
    })
  })

  app.converter.on(Converter.EVENT_CREATE_DOCUMENT, (_context, doc: DocumentReflection) => {
    doc.name = headingOf(doc.content) ?? doc.name
  })

  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const root of exportContainers(context.project)) {
      // `session` is exported twice, as default and as 'module.exports': TypeDoc
      // documents one and makes the other a reference. Keep the documented one,
      // under its own name, and drop the reference.
      const twins = [root.getChildByName(['module.exports']), root.getChildByName(['default'])]
      const documented = twins.find((r) => r !== undefined && !r.kindOf(ReflectionKind.Reference))
      const reference = twins.find((r) => r !== undefined && r !== documented)
      if (documented === undefined) continue
      documented.name = 'session'
      if (documented.isDeclaration()) for (const signature of documented.signatures ?? []) signature.name = 'session'
      if (reference) context.project.removeReflection(reference)
    }
  })

  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const project = context.project
    const roots = exportContainers(project)
    const find = (name: string) => roots.map((root) => root.getChildByName([name])).find((found) => found !== undefined)
    const documents = allDocuments(project)
    const anchors = new Map<Reflection, Map<string, string>>(
      documents.map((doc) => [doc, siteAnchors(markdownOf(doc.content))])
    )
    const anchorsOf = (part: RelativeLinkDisplayPart) => {
      const target = part.target === undefined ? undefined : project.files.resolve(part.target, project)
      return typeof target === 'object' ? anchors.get(target) : undefined
    }
    /** Link the symbols of one document, and warn (an error, in this build) about any link it could not make. */
    const rewrite = (content: CommentDisplayPart[], where: string) => {
      const linked = linkSymbols(content, find)
      for (const name of unlinkedSymbols(linked, find)) {
        app.logger.warn(`${where}: [\`${name}\`](…) names an API page but was not turned into a link to it`)
      }
      return siteHeadingLinks(dropLineAnchors(linked), siteAnchors(markdownOf(content)), anchorsOf)
    }
    for (const doc of documents) doc.content = rewrite(doc.content, doc.name)
    if (project.readme) project.readme = rewrite(project.readme, 'README.md')
  })

  app.renderer.on(RendererEvent.END, (event: RendererEvent) => {
    const mermaid = require.resolve('mermaid/dist/mermaid.min.js')
    fs.copyFileSync(mermaid, path.join(event.outputDirectory, 'assets', 'mermaid.min.js'))
  })
}
