import { defineConfig } from 'vitest/config';

// The project's own tests of this grader (not the hidden suite, which the harness runs).
export default defineConfig({
  test: {
    include: ['selftest/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
