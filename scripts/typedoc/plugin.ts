/**
 * The docs site's own TypeDoc plugin:
 *
 * - a chapter or note is named after its first `# heading`, so the
 *   Markdown files need no frontmatter and read cleanly on GitHub;
 * - a link written as [`Store`](../../src/session/store.ts) goes to the
 *   source file on GitHub and to the API page of `Store` on the site;
 * - a caption's link to source lines (`../../src/index.ts#L12-L30`, GitHub's
 *   line anchors) opens the file's page without the anchor, which the site's
 *   pages do not have;
 * - `session`, exported both as default and as `'module.exports'` (for
 *   CommonJS), is documented once, under its own name;
 * - ```mermaid blocks are drawn in the browser by a copy of Mermaid shipped
 *   with the site (no CDN), through the customJs loader next to this file.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import {
  Converter,
  DocumentReflection,
  ReflectionKind,
  type ContainerReflection,
  RendererEvent,
  type Application,
  type CommentDisplayPart,
  type ProjectReflection,
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
 * Turn `[`Name`](path/to/src/file.ts)` into a link to the reflection called
 * `Name` (a trailing `()` is allowed), wherever such a reflection exists.
 */
export function linkSymbols(
  content: CommentDisplayPart[],
  find: (name: string) => Reflection | undefined
): CommentDisplayPart[] {
  const out: CommentDisplayPart[] = []
  for (let i = 0; i < content.length; i++) {
    const [open, code, middle, link, close] = content.slice(i, i + 5)
    const name = code?.kind === 'code' ? /^`([\w.]+)(?:\(\))?`$/.exec(code.text)?.[1] : undefined
    const target = name !== undefined ? find(name) : undefined
    if (
      open?.kind === 'text' &&
      open.text.endsWith('[') &&
      middle?.kind === 'text' &&
      middle.text === '](' &&
      link?.kind === 'relative-link' &&
      /(^|\/)src\/.+\.ts$/.test(link.text) &&
      close?.kind === 'text' &&
      close.text.startsWith(')') &&
      target !== undefined &&
      name !== undefined
    ) {
      out.push({ kind: 'text', text: open.text.slice(0, -1) })
      out.push({ kind: 'inline-tag', tag: '@linkcode', text: code.text.slice(1, -1), target })
      out.push({ kind: 'text', text: close.text.slice(1) })
      i += 4
      continue
    }
    out.push(content[i])
  }
  return out
}

/** Drop GitHub's line anchors (`#L12` or `#L12-L30`) from relative links, which the site cannot honour. */
export function dropLineAnchors(content: CommentDisplayPart[]): CommentDisplayPart[] {
  return content.map((part) =>
    part.kind === 'relative-link' && part.targetAnchor !== undefined && /^L\d+(?:-L\d+)?$/.test(part.targetAnchor)
      ? { ...part, targetAnchor: undefined }
      : part
  )
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
    for (const doc of allDocuments(project)) doc.content = dropLineAnchors(linkSymbols(doc.content, find))
    if (project.readme) project.readme = dropLineAnchors(linkSymbols(project.readme, find))
  })

  app.renderer.on(RendererEvent.END, (event: RendererEvent) => {
    const mermaid = require.resolve('mermaid/dist/mermaid.min.js')
    fs.copyFileSync(mermaid, path.join(event.outputDirectory, 'assets', 'mermaid.min.js'))
  })
}
