import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global set-up of a grader's self-test: every grading its test files start names one load
 * lock (`GRADE_LOAD_LOCK`), so the files can run side by side and a load measurement still runs
 * alone. `npm test` sets one for the whole suite; a self-test run on its own makes its own.
 */
export default function setup(): (() => void) | undefined {
  if (process.env.GRADE_LOAD_LOCK) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bc-load-lock-'));
  process.env.GRADE_LOAD_LOCK = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env.GRADE_LOAD_LOCK;
  };
}
