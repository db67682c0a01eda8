import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Pure code: no Temporal server, no warehouse or stage servers.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        // Real parts: one Temporal dev server for the run, plus the S3 and Snowflake peers the files start.
        // The Temporal SDK's native core does not like many test threads: one fork, files in sequence.
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          pool: 'forks',
          fileParallelism: false,
          globalSetup: ['test/support/buildDist.ts', 'test/support/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
