import { defineConfig } from 'vitest/config';

// The project's own tests of this grader (not the hidden suite, which the harness runs).
export default defineConfig({
  test: {
    include: ['selftest/**/*.test.ts'],
    exclude: ['selftest/visible-grader/**'],
    fileParallelism: true,
    maxWorkers: 3,
    globalSetup: ['../../shared/harness/src/selftest/global-setup.ts'],
    // A test awaits gradings queued in the shared pool: the queue, not the test, takes the time.
    testTimeout: 900_000,
    hookTimeout: 900_000,
  },
});
