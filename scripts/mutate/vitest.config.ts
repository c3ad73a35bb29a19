/**
 * The vitest configuration Stryker runs: the project's own, limited to the
 * test files of one mutation set (MUTATE_TESTS, comma-separated, set by
 * main.ts). The files are chosen here rather than with Stryker's `testFiles`
 * option, which in StrykerJS 9.6 turns on mutants that only run while a
 * module loads (`static` ones) too late for that module to see them.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import base from '../../vitest.config.js'

const include = (process.env.MUTATE_TESTS ?? '').split(',').filter(Boolean)
if (include.length === 0) throw new Error('MUTATE_TESTS names no test file: run this through npm run mutate')

export default defineConfig({
  ...base,
  test: { ...base.test, include, root: fileURLToPath(new URL('../..', import.meta.url)) }
})
