import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // chapters/NN-slug/answers.test.ts: the runnable answers to a chapter's challenges
    include: ['test/**/*.test.ts', 'chapters/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 10_000,
    coverage: {
      provider: 'v8',
      include: ['src/index.ts', 'src/session/*.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: {
        lines: 100,
        functions: 100,
        branches: 95,
        statements: 100
      }
    }
  }
})
