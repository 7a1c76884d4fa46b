import { defineConfig } from 'vitest/config';

// The project's own tests of this grader (not the hidden suite, which the harness runs).
export default defineConfig({
  test: {
    include: ['selftest/**/*.test.ts'],
    // A grader's hidden suite only runs inside a grading session.
    exclude: ['selftest/visible-grader/**'],
    // The visible-tests and services checks beside the self-validation: all three mostly wait on
    // gradings, and every grading names the suite's load lock, so a measurement still runs alone.
    fileParallelism: true,
    maxWorkers: 3,
    globalSetup: ['../../shared/harness/src/selftest/global-setup.ts'],
    // A test awaits gradings queued in the shared pool: on a slow or busy machine the queue, not
    // the test, takes the time (each grading is capped by the harness's own total timeout).
    testTimeout: 900_000,
    hookTimeout: 900_000,
  },
});
