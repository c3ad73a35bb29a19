import { defineConfig } from 'vitest/config'

// `npm run test:integration`: tests against a real redis-server, one file after another.
export default defineConfig({
  test: {
    include: ['integration/**/*.integration.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
