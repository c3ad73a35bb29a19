/**
 * The break-it tool (`npm run break`, scripts/break/): its catalogue of
 * exercises matches today's source and tests, each chapter's "Break it"
 * section shows exactly the catalogue's change and names exactly the tests
 * it predicts, and the tool works in a temporary copy that it always removes,
 * leaving src/ untouched. Whether each exercise really fails the predicted
 * tests is `npm run test:break`'s job (too slow for here).
 */
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { compare, listing, parseBreakArgs, parseCheckArgs, selected, UsageError } from '../scripts/break/cli.js'
import {
  breakSource,
  chapterOf,
  diffLines,
  lineChange,
  occurrences,
  SnippetError,
  testFilter,
  type Exercise
} from '../scripts/break/exercise.js'
import { exercises } from '../scripts/break/exercises.js'
import { createWorkspace, prefix, removeWorkspace } from '../scripts/break/workspace.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const chapterDirs = fs.readdirSync(path.join(root, 'chapters')).filter((d) => /^\d\d-/.test(d))
/** The chapters that walk library code, and so have exercises. */
const withExercises = ['03', '04', '05', '06', '07', '08', '09', '10', '11', '13']

/** The chapter folder whose name starts with `number`. */
function chapterDir(number: string): string {
  const dir = chapterDirs.find((d) => d.startsWith(number + '-'))
  if (!dir) throw new Error(`no chapter ${number}`)
  return path.join(root, 'chapters', dir)
}

/** The test files of a chapter, as `npm run break` selects them. */
function chapterTestFiles(number: string): string[] {
  return fs
    .readdirSync(path.join(root, 'test'))
    .filter((f) => f.startsWith(number + '-') && f.endsWith('.test.ts'))
    .map((f) => path.join(root, 'test', f))
}

/** The names given to it(…) and it.each(…)(…) in a test file (as the chapter check reads them). */
function testNames(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8')
  const quoted = `(['"])((?:(?!\\1)[^\\\\]|\\\\.)*)\\1`
  const plain = [...source.matchAll(new RegExp(`\\bit\\(\\s*${quoted}`, 'g'))]
  const each = [...source.matchAll(new RegExp(`\\bit\\.each\\b[\\s\\S]*?\\)\\(\\s*${quoted}`, 'g'))]
  return [...plain, ...each].map((m) => m[2].replace(/\\(.)/g, '$1'))
}

/**
 * Whether a test's name as written (which may hold it.each's `%j`, `%s`…
 * or `$field`) is the name of a test as run.
 */
function namesTest(written: string, run: string): boolean {
  const pattern = written
    .split(/(%[sdifjoO]|\$[\w.]+)/)
    .map((part, i) => (i % 2 === 1 ? '.+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${pattern}$`, 's').test(run)
}

/** A SHA-256 of every file under a folder, by path: what "unchanged" is checked against. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    out[path.relative(dir, file)] = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
  }
  return out
}

describe('the catalogue of exercises', () => {
  it('gives every exercise a unique id: its chapter number, then a few words', () => {
    const ids = exercises.map((e) => e.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^\d\d(-[a-z0-9]+)+$/)
    for (const e of exercises) expect(withExercises, e.id).toContain(chapterOf(e))
  })

  it('has at least two exercises in every chapter that walks library code, and four in 04 and 05', () => {
    const count = (n: string) => exercises.filter((e) => chapterOf(e) === n).length
    for (const n of withExercises) expect(count(n), `chapter ${n}`).toBeGreaterThanOrEqual(2)
    expect(Math.min(count('04'), count('05'))).toBeGreaterThanOrEqual(4)
  })

  it('describes each change in one line and predicts at least one failing test, each named once', () => {
    for (const e of exercises) {
      expect(e.description, e.id).toMatch(/^[^\n]{10,120}$/)
      expect(e.fails.length, e.id).toBeGreaterThan(0)
      expect(new Set(e.fails).size, e.id).toBe(e.fails.length)
      expect(e.replace, e.id).not.toBe(e.find)
    }
  })

  it.each(exercises)('$id: its code occurs exactly once in $file, a library file', (exercise) => {
    expect(exercise.file).toMatch(/^(src|demo)\//)
    const source = fs.readFileSync(path.join(root, exercise.file), 'utf8')
    expect(occurrences(source, exercise.find)).toBe(1)
    expect(breakSource(source, exercise)).not.toBe(source)
  })

  it.each(exercises)("$id: every test it predicts is a test of its chapter's files", (exercise) => {
    const names = chapterTestFiles(chapterOf(exercise)).flatMap(testNames)
    for (const name of exercise.fails) {
      expect(
        names.some((written) => namesTest(written, name)),
        `“${name}” in test/${chapterOf(exercise)}-*`
      ).toBe(true)
    }
  })
})

describe('the pure steps', () => {
  const sample: Exercise = {
    id: '99-sample',
    file: 'src/x.ts',
    find: 'a < b',
    replace: 'a > b',
    description: 'a sample',
    fails: ['x']
  }

  it('replaces the code where it occurs once', () => {
    expect(breakSource('if (a < b) go()\n', sample)).toBe('if (a > b) go()\n')
  })

  it('fails loudly, saying what to update, when the code occurs no times or twice', () => {
    expect(() => breakSource('if (a <= b) go()\n', sample)).toThrow(SnippetError)
    expect(() => breakSource('if (a <= b) go()\n', sample)).toThrow(/occurs 0 times in src\/x\.ts[\s\S]*a < b/)
    expect(() => breakSource('a < b; a < b', sample)).toThrow(/occurs 2 times[\s\S]*scripts\/break\/exercises\.ts/)
  })

  it('shows the whole lines a change touches, as a diff without their shared indentation', () => {
    const source = 'function f() {\n  if (a < b) {\n    go()\n  }\n}\n'
    expect(lineChange(source, sample)).toEqual({ line: 2, removed: ['  if (a < b) {'], added: ['  if (a > b) {'] })
    expect(diffLines(lineChange(source, sample))).toEqual(['- if (a < b) {', '+ if (a > b) {'])
  })

  it('trims the lines a change leaves alone, and shows a removed line with nothing added', () => {
    const swap = { ...sample, find: '  one()\n  two()', replace: '  one()\n  three()' }
    expect(diffLines(lineChange('x\n  one()\n  two()\ny\n', swap))).toEqual(['- two()', '+ three()'])
    const gone = { ...sample, find: '  two()\n', replace: '' }
    expect(lineChange('x\n  one()\n  two()\ny\n', gone)).toEqual({ line: 3, removed: ['  two()'], added: [] })
  })

  it("runs a chapter's test files by their number, whatever they are called", () => {
    expect(testFilter({ ...sample, id: '10-x' })).toBe('test/10-')
  })

  it('compares the predicted failures with the actual ones, each name once', () => {
    expect(compare(['a', 'b'], ['b', 'b', 'c'])).toEqual({ missing: ['a'], unexpected: ['c'] })
    expect(compare(['a'], ['a', 'a'])).toEqual({ missing: [], unexpected: [] })
  })

  it('reads the command lines, refusing what it does not know', () => {
    expect(parseBreakArgs([])).toEqual({ keep: false })
    expect(parseBreakArgs(['05-x', '--keep'])).toEqual({ id: '05-x', keep: true })
    expect(() => parseBreakArgs(['a', 'b'])).toThrow(UsageError)
    expect(() => parseBreakArgs(['--force'])).toThrow('unknown option --force')
    expect(parseCheckArgs(['05', '-j', '3'])).toEqual({ prefixes: ['05'], jobs: 3 })
    expect(parseCheckArgs([])).toEqual({ prefixes: [], jobs: 2 })
    expect(() => parseCheckArgs(['--jobs', '0'])).toThrow(UsageError)
  })

  it('lists every exercise on a line of its own, id first; selects them by id prefix', () => {
    const lines = listing().split('\n')
    expect(lines.map((l) => l.split(' ')[0])).toEqual(exercises.map((e) => e.id))
    expect(selected(['09']).map((e) => e.id)).toEqual(exercises.filter((e) => e.id.startsWith('09')).map((e) => e.id))
    expect(selected([])).toEqual(exercises)
  })
})

describe.each(withExercises)("chapter %s's Break it section", (number) => {
  const readme = fs.readFileSync(path.join(chapterDir(number), 'README.md'), 'utf8')
  const start = readme.indexOf('\n## Break it\n')
  const section = start === -1 ? '' : readme.slice(start + 1, readme.indexOf('\n## ', start + 1) + 1)
  const ours = exercises.filter((e) => chapterOf(e) === number)

  it('comes just before Try it yourself', () => {
    expect(start).toBeGreaterThan(-1)
    expect(readme.slice(start + 1 + section.length)).toMatch(/^## Try it yourself\n/)
  })

  it('shows the exercises of the catalogue, and only those', () => {
    const shown = [...section.matchAll(/`npm run break -- ([\w-]+)`/g)].map((m) => m[1])
    expect([...new Set(shown)].sort()).toEqual(ours.map((e) => e.id).sort())
  })

  it.each(ours)(
    '$id: the change as a diff, the command, a question, and the predicted tests in the answer',
    (exercise) => {
      const parts = section.split(/\n(?=### )/).filter((p) => p.includes(`\`npm run break -- ${exercise.id}\``))
      expect(parts).toHaveLength(1)
      const [part] = parts
      const source = fs.readFileSync(path.join(root, exercise.file), 'utf8')
      expect(part).toContain('```diff\n' + diffLines(lineChange(source, exercise)).join('\n') + '\n```')
      const answerAt = part.indexOf('<details><summary>Answer</summary>')
      expect(answerAt).toBeGreaterThan(-1)
      expect(part.slice(0, answerAt)).toMatch(/\?\s*$/)
      const answer = part.slice(answerAt, part.indexOf('</details>', answerAt))
      const links = [...answer.matchAll(/\[“([^”]+)”\]\(\.\.\/\.\.\/test\/([\w.-]+\.test\.ts)(?:#L\d+)?\)/g)]
      for (const [, , file] of links) expect(file.startsWith(number + '-'), file).toBe(true)
      const quoted = links.map((m) => m[1])
      for (const name of exercise.fails) {
        expect(
          quoted.some((q) => namesTest(q, name)),
          `the answer names “${name}”`
        ).toBe(true)
      }
      for (const q of quoted) {
        expect(
          exercise.fails.some((name) => namesTest(q, name)),
          `“${q}” is predicted`
        ).toBe(true)
      }
    }
  )
})

describe('the temporary copy', () => {
  let fake: string | undefined
  afterEach(() => {
    if (fake) fs.rmSync(fake, { recursive: true, force: true })
  })

  it('holds src/ and test/ and the configuration, links node_modules, and is gone once removed', () => {
    fake = fs.mkdtempSync(path.join(os.tmpdir(), 'break-root-'))
    fs.mkdirSync(path.join(fake, 'src'))
    fs.writeFileSync(path.join(fake, 'src', 'a.ts'), 'export const a = 1\n')
    fs.mkdirSync(path.join(fake, 'test', 'node_modules'), { recursive: true })
    fs.writeFileSync(path.join(fake, 'test', 'a.test.ts'), '')
    fs.writeFileSync(path.join(fake, 'package.json'), '{}')
    fs.writeFileSync(path.join(fake, 'notes.md'), '')
    fs.mkdirSync(path.join(fake, 'node_modules'))
    const before = fingerprint(fake)
    const copy = createWorkspace(fake, '99-sample', false)
    try {
      expect(path.basename(copy).startsWith(prefix + '99-sample-')).toBe(true)
      expect(fs.readdirSync(copy).sort()).toEqual(['node_modules', 'package.json', 'src', 'test'])
      expect(fs.lstatSync(path.join(copy, 'node_modules')).isSymbolicLink()).toBe(true)
      expect(fs.readdirSync(path.join(copy, 'test'))).toEqual(['a.test.ts'])
      fs.writeFileSync(path.join(copy, 'src', 'a.ts'), 'export const a = 2\n')
      expect(fingerprint(fake)).toEqual(before)
    } finally {
      removeWorkspace(copy)
    }
    expect(fs.existsSync(copy)).toBe(false)
  })
})

describe('npm run break', () => {
  let tmp: string | undefined
  afterEach(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
  })

  /** Run scripts/break/main.ts with these arguments and a temporary folder of its own. */
  function breakTool(args: string[], onStart?: (child: ReturnType<typeof spawn>, tmp: string) => void) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'break-tool-'))
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp }
    for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key]
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/break/main.ts', ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    onStart?.(child, tmp)
    return new Promise<{ code: number | null; stdout: string; stderr: string; tmp: string }>((resolve) =>
      child.once('close', (code) => resolve({ code, stdout, stderr, tmp: tmp as string }))
    )
  }

  /** The temporary copies left in a folder. */
  function copiesIn(dir: string): string[] {
    return fs.readdirSync(dir).filter((d) => d.startsWith(prefix))
  }

  it('lists the exercises, one a line', async () => {
    const { code, stdout } = await breakTool([])
    expect(code).toBe(0)
    expect(stdout.trimEnd()).toBe(listing())
  })

  it('refuses an unknown id with exit code 2, and lists the exercises', async () => {
    const { code, stderr } = await breakTool(['05-no-such-thing'])
    expect(code).toBe(2)
    expect(stderr).toContain('There is no exercise called 05-no-such-thing.')
    expect(stderr).toContain(listing())
  })

  it('breaks a temporary copy, names the failing test and the changed line, removes the copy and leaves src/ as it was', async () => {
    const exercise = exercises.find((e) => e.id === '09-get-calls-back-at-once') as Exercise
    const before = fingerprint(path.join(root, 'src'))
    const { code, stdout, tmp } = await breakTool([exercise.id])
    expect(code).toBe(0)
    expect(stdout).toContain(`src/session/memory.ts, line `)
    expect(stdout).toContain('  - defer(callback, null, getSession.call(this, sessionId))')
    expect(stdout).toContain('1 of ')
    expect(stdout).toContain(`✗ “${exercise.fails[0]}”`)
    expect(stdout).toMatch(/expected: \[ false, false/)
    expect(copiesIn(tmp)).toEqual([])
    expect(fingerprint(path.join(root, 'src'))).toEqual(before)
  }, 60_000)

  it('on Ctrl-C stops the tests, removes the copy and exits 130', async () => {
    const before = fingerprint(path.join(root, 'src'))
    const { code, stderr, tmp } = await breakTool(['09-expired-kept'], (child, dir) => {
      // interrupt once the copy exists and the tests have had a moment to start
      const poll = setInterval(() => {
        if (copiesIn(dir).length === 0) return
        clearInterval(poll)
        setTimeout(() => child.kill('SIGINT'), 300)
      }, 20)
      child.once('close', () => clearInterval(poll))
    })
    expect(code).toBe(130)
    expect(stderr).toContain('SIGINT: stopping the tests and removing the temporary copy')
    expect(copiesIn(tmp)).toEqual([])
    expect(fingerprint(path.join(root, 'src'))).toEqual(before)
  }, 60_000)
})
