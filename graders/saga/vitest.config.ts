import { defineConfig } from 'vitest/config';

// The project's own tests of this grader (not the hidden suite, which the harness runs).
export default defineConfig({
  test: {
    include: ['selftest/**/*.test.ts'],
    // A grader's hidden suite only runs inside a grading session.
    exclude: ['selftest/visible-grader/**'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
