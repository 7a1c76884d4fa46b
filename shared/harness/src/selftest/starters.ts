import { existsSync, readFileSync } from 'node:fs';
import { goldenText } from '../mutants.ts';
import type { GradeResult } from '../types.ts';

/** The most a starter may score (the self-validation's default). */
export const MAX_STARTER_SCORE = 15;

/** Whether every failed item says what was expected, was not run, failed its set-up, or was measured on its scale. */
export const failsInExpectedWords = (r: GradeResult): string[] =>
  r.tests
    // A load test's rounds: the item measured and scored on its scale (a correct, slow starter,
    // as query-tuning's, earns nothing there and fails in the scale's own words).
    .filter(
      (t) => t.status === 'failed' && !t.rounds?.length && !/^Expected: |^Not run|^Set-up/m.test(t.output),
    )
    .map((t) => t.id);

/**
 * What a graded starter in another language gets wrong for `pnpm validate` (nothing, when it
 * installed, built and started in its language, scored low, and failed in its golden file's words).
 */
export function starterProblems(r: GradeResult, language: string, golden: string): string[] {
  const problems: string[] = [];
  if (r.runtime.language !== language) problems.push(`graded as ${r.runtime.language}, not ${language}`);
  if (r.status !== 'graded') problems.push(`${r.status}: ${r.reason ?? ''}`);
  if (r.score > MAX_STARTER_SCORE) problems.push(`scored ${r.score} (at most ${MAX_STARTER_SCORE})`);
  const odd = failsInExpectedWords(r);
  if (odd.length) problems.push(`failed in other words than a failed expectation: ${odd.join(', ')}`);
  if (!existsSync(golden)) problems.push(`${golden} is missing`);
  else if (goldenText(r) !== readFileSync(golden, 'utf8'))
    problems.push(`its failure text differs from ${golden}`);
  return problems;
}
