/**
 * The copy of the project that Stryker mutates. Two limits of StrykerJS 9
 * are worked around here, in the copy, so that `src/` is never touched:
 *
 * - its instrumenter skips an `expr as T` node whole, the expression as well
 *   as the type, so no mutant is made inside a cast (stryker-js issue #6227).
 *   In the copy, each ` as T` is overwritten with spaces: every line and
 *   column stays where it was, so mutants are reported at the real positions,
 *   and the report shows the real source again afterwards (see report.ts).
 * - it makes a string-literal mutant of the name in
 *   `export { x as 'module.exports' }` and stops, unable to place it: an
 *   export's name is fixed when the module links, so no run-time switch can
 *   change it. Those lines are left out of `mutate` (see {@link mutateRanges}).
 */
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

/** The stretches of `source` that are the ` as T` part of a cast: [start, end) offsets. */
export function castRanges(source: string, fileName: string): Array<[number, number]> {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const ranges: Array<[number, number]> = []
  const visit = (node: ts.Node): void => {
    if (ts.isAsExpression(node)) ranges.push([node.expression.end, node.end])
    ts.forEachChild(node, visit)
  }
  visit(file)
  return ranges
}

/** `source` with every ` as T` overwritten by spaces (line breaks kept), so positions do not move. */
export function blankCasts(source: string, fileName: string): string {
  const chars = [...source]
  // castRanges counts UTF-16 units; so does indexing a string, but not a spread of it
  if (chars.length !== source.length) throw new Error(`${fileName}: characters outside the BMP; offsets would drift`)
  for (const [start, end] of castRanges(source, fileName)) {
    for (let i = start; i < end; i++) if (chars[i] !== '\n' && chars[i] !== '\r') chars[i] = ' '
  }
  return chars.join('')
}

/**
 * The JavaScript TypeScript emits for a file (casts and all other types
 * erased), without whitespace or parentheses: TypeScript drops the
 * parentheses a cast needed, but keeps them when the cast is gone from the text.
 */
function emitted(source: string, fileName: string): string {
  const { outputText } = ts.transpileModule(source, {
    fileName,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: true }
  })
  return outputText.replace(/[\s()]+/g, '')
}

/**
 * Blank the casts of one file, and prove that nothing but types went: the
 * JavaScript emitted for the blanked file must equal the original's.
 */
export function blankCastsChecked(source: string, fileName: string): string {
  const blanked = blankCasts(source, fileName)
  if (emitted(blanked, fileName) !== emitted(source, fileName)) {
    throw new Error(`${fileName}: blanking its casts changed the emitted JavaScript`)
  }
  return blanked
}

/**
 * Stryker `mutate` entries for one file: its whole line range, less each line
 * that names `'module.exports'` in an export list (no mutant can be placed there).
 */
export function mutateRanges(file: string, source: string): string[] {
  const lines = source.split('\n')
  const skipped = lines.flatMap((line, i) => (/^export \{.*'module\.exports'.*\}/.test(line) ? [i + 1] : []))
  const ranges: string[] = []
  let from = 1
  for (const line of [...skipped, lines.length + 1]) {
    if (line > from) ranges.push(`${file}:${from}-${line - 1}`)
    from = line + 1
  }
  return ranges
}

/** What goes into the copy: the code, the tests, the demo app one of them drives, and the configuration they read. */
const copied = ['src', 'test', 'demo', 'package.json', 'tsconfig.json', 'vitest.config.ts', 'scripts/mutate']

/**
 * Make `dir` a copy of the project at `root` for Stryker: sources and tests
 * copied, `node_modules` linked, and the casts of the `mutated` files blanked.
 */
export function prepareCopy(root: string, dir: string, mutated: string[]): void {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  for (const entry of copied) {
    fs.mkdirSync(path.dirname(path.join(dir, entry)), { recursive: true })
    fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true })
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  for (const file of mutated) {
    const target = path.join(dir, file)
    fs.writeFileSync(target, blankCastsChecked(fs.readFileSync(target, 'utf8'), file))
  }
}
