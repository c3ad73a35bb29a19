/**
 * What a break-it exercise is, and the pure steps of one: find its code in
 * a file, make the change, and describe the change as a small diff. Nothing
 * here touches the disk; `workspace.ts` and `run.ts` do that.
 */

/** One small change to the library, made to watch the tests that notice it. */
export interface Exercise {
  /** `NN-what-breaks`: the chapter's two digits, then the change in a few words. */
  id: string
  /** The file changed, relative to the repository's root. */
  file: string
  /** The exact code replaced; it must occur exactly once in the file. */
  find: string
  /** What takes its place. */
  replace: string
  /** The change in one line of words. */
  description: string
  /** The titles of the tests (`it(…)`) that fail, and only those, as the chapter's answer names them. */
  fails: string[]
}

/** The code of an exercise was not found exactly once: the source changed since the exercise was written. */
export class SnippetError extends Error {
  /**
   * @param exercise - the exercise whose code was looked for
   * @param count - how many times it was found
   */
  constructor(exercise: Exercise, count: number) {
    super(
      `exercise ${exercise.id}: the code it changes occurs ${count} times in ${exercise.file}, not once:\n` +
        indent(exercise.find) +
        '\nThe source has changed since the exercise was written: update it in scripts/break/exercises.ts.'
    )
    this.name = 'SnippetError'
  }
}

/** The chapter an exercise belongs to: the two digits its id starts with. */
export function chapterOf(exercise: Exercise): string {
  return exercise.id.slice(0, 2)
}

/** The pattern vitest is given to run the chapter's test files (`test/05-`), whatever they are called. */
export function testFilter(exercise: Exercise): string {
  return `test/${chapterOf(exercise)}-`
}

/** How many times `snippet` occurs in `text` (overlapping occurrences count). */
export function occurrences(text: string, snippet: string): number {
  let count = 0
  for (let at = text.indexOf(snippet); at !== -1; at = text.indexOf(snippet, at + 1)) count++
  return count
}

/** The source with the exercise's change made; a {@link SnippetError} unless its code occurs exactly once. */
export function breakSource(source: string, exercise: Exercise): string {
  const count = occurrences(source, exercise.find)
  if (count !== 1) throw new SnippetError(exercise, count)
  const at = source.indexOf(exercise.find)
  return source.slice(0, at) + exercise.replace + source.slice(at + exercise.find.length)
}

/** The lines a change touches: where they start, and what they were and became. */
export interface LineChange {
  /** The number (from 1) of the first line removed or, when only lines are added, of the line they go before. */
  line: number
  /** The lines as they were. */
  removed: string[]
  /** The lines as they are after the change. */
  added: string[]
}

/** The whole lines the exercise's change touches, with the lines that stay the same trimmed off both ends. */
export function lineChange(source: string, exercise: Exercise): LineChange {
  const broken = breakSource(source, exercise)
  const at = source.indexOf(exercise.find)
  const start = source.lastIndexOf('\n', at - 1) + 1
  const endOfSnippet = at + exercise.find.length
  // a snippet that ends with its newline ends there; otherwise the line runs on to the next newline
  const end = source[endOfSnippet - 1] === '\n' ? endOfSnippet : lineEnd(source, endOfSnippet)
  const delta = broken.length - source.length
  const removed = splitLines(source.slice(start, end))
  const added = splitLines(broken.slice(start, end + delta))
  let line = source.slice(0, start).split('\n').length
  while (removed.length > 0 && added.length > 0 && removed[0] === added[0]) {
    removed.shift()
    added.shift()
    line++
  }
  while (removed.length > 0 && added.length > 0 && removed.at(-1) === added.at(-1)) {
    removed.pop()
    added.pop()
  }
  return { line, removed, added }
}

/**
 * The change as the lines of a small diff: `- ` before each line removed,
 * `+ ` before each line added, the indentation they share taken off.
 */
export function diffLines(change: LineChange): string[] {
  const lines = [...change.removed, ...change.added].filter((l) => l.trim() !== '')
  const common = Math.min(...lines.map((l) => l.length - l.trimStart().length))
  const cut = (l: string) => l.slice(Number.isFinite(common) ? common : 0).trimEnd()
  return [...change.removed.map((l) => '- ' + cut(l)), ...change.added.map((l) => '+ ' + cut(l))]
}

/** Where the line holding `at` ends: its newline, or the end of the text. */
function lineEnd(text: string, at: number): number {
  const newline = text.indexOf('\n', at)
  return newline === -1 ? text.length : newline + 1
}

/** The lines of a piece of text that ends with a newline (or at the end of the file). */
function splitLines(text: string): string[] {
  if (text === '') return []
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n')
}

/** Each line indented by four spaces, for an error message. */
function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => '    ' + l)
    .join('\n')
}
