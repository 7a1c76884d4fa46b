import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exportChallenge } from '../export.ts';
import { grade } from '../grade.ts';
import { graderLayout } from './layout.ts';
import { currentVisibleRecord, writeVisibleRecord } from './validated.ts';

/** Run `cmd` in `cwd` with plain npm's environment; a failure names the command and its output. */
function npm(cwd: string, ...args: string[]): void {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0)
    throw new Error(
      `npm ${args.join(' ')} in ${cwd} exited ${r.status}:\n${(r.stdout + r.stderr).slice(-2000)}`,
    );
}

/**
 * The standard check of a starter's visible tests, registered as Vitest tests: run by the
 * one-item grader in `selftest/visible-grader`, they all pass on the reference and fail on the
 * untouched starter (they test the assignment, not the skeleton).
 *
 * With `viaExport`, the same through a take-home export, outside the monorepo: it installs with
 * plain `npm ci` and builds; its own visible tests fail on it as exported and pass once the
 * reference is copied in; and both are graded like any submission.
 */
export function validateVisibleTests(exp: {
  slug: string;
  tests: number;
  viaExport?: boolean;
  /** Run on every suite, record or not: the suite's own check that the visible pipeline works. */
  everyRun?: boolean;
}): void {
  const layout = graderLayout(exp.slug);
  const what = { tests: exp.tests, viaExport: exp.viaExport === true };
  const where = exp.viaExport ? 'in a take-home export' : 'in the monorepo';
  // Two gradings per challenge (query-tuning's each seed 5.1 M rows), beside the graders' pools in
  // every suite, for an answer that changes only with the files the record's hash names.
  const recording = process.env.BC_RECORD_VISIBLE === '1';
  const record = recording || exp.everyRun ? null : currentVisibleRecord(layout, what);
  if (record) {
    describe(`the starter's visible tests, ${where}`, () => {
      test('when the challenge, grader, reference and visible grader are those recorded, then the recorded run stands', () => {
        expect(record).toMatchObject(what);
        process.stdout.write(
          `${exp.slug}: the visible tests passed on the reference and failed on the starter, ${where}, when recorded on ${record.date} (BC_RECORD_VISIBLE=1) for this challenge, grader, reference, visible grader and kit: not again here\n`,
        );
      });
    });
    return;
  }
  const run = (submission: string) =>
    grade({ challenge: `${exp.slug}-visible`, submission, graderDir: layout.visibleGraderDir, seed: 8 });
  let starter = layout.starterDir;
  let solved = layout.referenceDir;
  if (exp.viaExport) {
    const root = mkdtempSync(join(tmpdir(), `bc-export-${exp.slug}-`));
    beforeAll(async () => {
      starter = join(root, 'take-home');
      await exportChallenge(exp.slug, starter);
      npm(starter, 'ci', '--ignore-scripts', '--no-audit', '--no-fund');
      npm(starter, 'run', 'build');
      // The candidate's checkout with the reference's code and dependencies in it.
      solved = join(root, 'solved');
      cpSync(starter, solved, { recursive: true, filter: (p) => !p.includes('node_modules') });
      const ref = layout.referenceDir;
      for (const f of readdirSync(ref).filter((f) => !['node_modules', 'dist', 'test'].includes(f))) {
        cpSync(join(ref, f), join(solved, f), {
          recursive: true,
          filter: (p) => !p.includes('node_modules'),
        });
      }
      // The visible tests run from the export's own install, not the monorepo's.
      process.env.BC_VISIBLE_TESTS_DIR = starter;
    }, 240_000);
    afterAll(() => {
      delete process.env.BC_VISIBLE_TESTS_DIR;
      rmSync(root, { recursive: true, force: true });
    });
  }
  let held = 0;
  describe(`the starter's visible tests, ${where}`, () => {
    // Recorded only when both held, in this very run.
    afterAll(() => {
      if (recording && held === 2) writeVisibleRecord(layout, what);
    });

    test('when run against the reference, then they all pass', async () => {
      const t = (await run(solved)).tests[0]!;
      expect(t.status, t.output).toBe('passed');
      expect(t.output).toMatch(new RegExp(`Tests +${exp.tests} passed`));
      held++;
    });

    test('when run against the untouched starter, then they fail (they test the assignment, not the skeleton)', async () => {
      const r = await run(starter);
      expect(r.status).toBe('graded');
      expect(r.tests[0]!.status).toBe('failed');
      expect(r.tests[0]!.output).toMatch(/visible tests failed/);
      held++;
    });
  });
}
