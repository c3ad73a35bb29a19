import { defineConfig } from 'vitest/config'

// `npm run test:e2e`: the browser tests, one file after another.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
