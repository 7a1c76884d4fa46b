import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../graders.ts';
import type { GradingContext } from '../types.ts';
import { defineRubric } from './define.ts';
import { grading, rubricTest } from './rubric-test.ts';

/** The rubric of a grader's visible-tests self-check: one item, the starter's tests passing. */
export const visibleTestsRubric = defineRubric([
  {
    slug: 'visible-tests-pass',
    title: "when the starter's visible tests run against the submission, then they all pass",
    points: 1,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Run npm run test:visible against your service.',
  },
]);

/**
 * The one test of that self-check: `challenges/<challenge>`'s own Vitest (or a take-home
 * export's, in BC_VISIBLE_TESTS_DIR), run as a candidate would, against instance a, with `env` (by default the service's whole env, as the README's
 * "same shell" has it).
 */
export function starterVisibleTests(
  challenge: string,
  env: (g: GradingContext) => Record<string, string> = (g) => g.env,
): void {
  rubricTest(visibleTestsRubric, 'visible-tests-pass', async ({ note }) => {
    const g = grading();
    // A take-home export's own checkout, when the self-check grades through one.
    const starter = process.env.BC_VISIBLE_TESTS_DIR ?? join(REPO_ROOT, 'challenges', challenge);
    const r = spawnSync(process.execPath, [join(starter, 'node_modules/vitest/vitest.mjs'), 'run'], {
      cwd: starter,
      env: { ...process.env, ...env(g), TARGET_URL: g.instances[0]!.url, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    if (r.status !== 0) throw new Error(`visible tests failed (exit ${r.status}):\n${out.slice(-3000)}`);
    note(out.match(/Tests +\d+ passed[^\n]*/)?.[0] ?? 'passed');
  });
}
