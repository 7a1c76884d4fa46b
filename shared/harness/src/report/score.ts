import type { TestOutcome } from '../runner/vitest.ts';
import type { Band, CategoryScore, GradeResult, RubricItem, TestResult } from '../types.ts';
import { CATEGORIES } from '../types.ts';

const round = (n: number): number => Math.round(n * 100) / 100;

/** One results.json test entry per rubric item, whatever happened to its test. */
export function scoreItems(
  rubric: readonly RubricItem[],
  outcomes: Map<string, TestOutcome>,
  notRunReason: string,
): TestResult[] {
  return rubric.map((item) => {
    const o = outcomes.get(item.slug);
    let score = 0;
    let output: string;
    if (!o) {
      output = notRunReason;
    } else if (o.state === 'passed') {
      score = o.awarded === undefined ? item.points : Math.max(0, Math.min(item.points, o.awarded));
      output = o.note ?? '';
    } else if (o.state === 'skipped') {
      output = 'Not run: an earlier step this test depends on failed.';
    } else {
      output = o.message;
    }
    return {
      id: item.slug,
      name: item.title,
      score: round(score),
      max_score: item.points,
      status: score >= item.points ? 'passed' : 'failed',
      tags: [item.category],
      visibility: item.visibility,
      output,
      ...(score < item.points ? { hint: item.hint } : {}),
      duration_ms: o?.durationMs ?? 0,
    } satisfies TestResult;
  });
}

export function categoryScores(tests: TestResult[]): CategoryScore[] {
  return CATEGORIES.map((name) => {
    const mine = tests.filter((t) => t.tags[0] === name);
    return {
      name,
      score: round(mine.reduce((s, t) => s + t.score, 0)),
      max_score: mine.reduce((s, t) => s + t.max_score, 0),
    };
  }).filter((c) => c.max_score > 0);
}

/** A category "passes" at 80% of its points. */
const passes = (c: CategoryScore | undefined): boolean => !c || c.score >= 0.8 * c.max_score;

/**
 * junior: correct on the happy path; mid: also robust and secure; senior: also right under
 * concurrency, faults and load — the things this product exists to grade.
 */
export function band(categories: CategoryScore[]): Band {
  const get = (n: string) => categories.find((c) => c.name === n);
  if (!passes(get('correctness'))) return 'none';
  if (!passes(get('robustness')) || !passes(get('security'))) return 'junior';
  if (!passes(get('concurrency')) || !passes(get('resilience')) || !passes(get('performance'))) return 'mid';
  return 'senior';
}

/** Every score field of a result, from the rubric and the outcomes there were (none for an error). */
export function scoreRun(
  rubric: readonly RubricItem[],
  outcomes: Map<string, TestOutcome>,
  notRunReason: string,
): Pick<GradeResult, 'score' | 'max_score' | 'tests' | 'categories' | 'band'> {
  const tests = scoreItems(rubric, outcomes, notRunReason);
  const categories = categoryScores(tests);
  return {
    score: round(tests.reduce((s, t) => s + t.score, 0)),
    max_score: rubric.reduce((s, r) => s + r.points, 0),
    tests,
    categories,
    band: band(categories),
  };
}
