import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Temporal SDK's native core does not like many test threads: one fork, files in sequence.
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/support/buildDist.ts', 'test/support/globalSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    include: ['test/**/*.test.ts'],
  },
});
