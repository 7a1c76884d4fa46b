import type { TestOutcome } from '../runner/vitest.ts';
import type { Band, CategoryScore, GradeResult, RubricItem, TestResult } from '../types.ts';
import { CATEGORIES } from '../types.ts';

const round = (n: number): number => Math.round(n * 100) / 100;

/** One results.json test entry per graded rubric item, whatever happened to its test. */
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
      // Which README rule the failure breaks, so the candidate knows where to read.
      output = item.rules?.length
        ? `${o.message}\nREADME rule${item.rules.length > 1 ? 's' : ''}: ${item.rules.join(', ')}`
        : o.message;
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
      ...(o?.measured?.length ? { measured: o.measured } : {}),
      ...(o?.rounds?.length ? { rounds: o.rounds } : {}),
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

/**
 * The band of a run: a band rates the whole rubric, so a run that left items out (`--only`) is
 * unrated, rather than senior for want of the categories it skipped.
 */
export function runBand(categories: CategoryScore[], skippedItems: number): Band {
  return skippedItems > 0 ? 'unrated' : band(categories);
}

/**
 * Every score field of a result, from the rubric and the outcomes there were (none for an
 * error). Items outside `only` are listed as skipped and count neither in the score nor its max.
 */
export function scoreRun(
  rubric: readonly RubricItem[],
  outcomes: Map<string, TestOutcome>,
  opts: { notRun: string; only?: readonly string[] | null },
): Pick<GradeResult, 'score' | 'max_score' | 'tests' | 'skipped' | 'categories' | 'band'> {
  const graded = opts.only ? rubric.filter((r) => opts.only!.includes(r.slug)) : rubric;
  const tests = scoreItems(graded, outcomes, opts.notRun);
  const categories = categoryScores(tests);
  const skipped = rubric.filter((r) => !graded.includes(r)).map((r) => ({ id: r.slug, name: r.title }));
  return {
    score: round(tests.reduce((s, t) => s + t.score, 0)),
    max_score: graded.reduce((s, r) => s + r.points, 0),
    tests,
    skipped,
    categories,
    band: runBand(categories, skipped.length),
  };
}

/** The one-paragraph summary of a result (results.json's top-level `output`). */
export function summaryText(r: Omit<GradeResult, 'output'>): string {
  if (r.status === 'error') return `Could not be graded: ${r.reason ?? 'unknown reason'}`;
  const lost = r.categories
    .filter((c) => c.score < c.max_score)
    .map((c) => `${c.name} ${c.score}/${c.max_score}`);
  const parts = [
    r.band === 'unrated'
      ? `Scored ${r.score}/${r.max_score} (no band: only part of the rubric was graded).`
      : `Scored ${r.score}/${r.max_score}, band ${r.band}.`,
    lost.length ? `Points lost in ${lost.join(', ')}.` : 'Every graded item passed.',
  ];
  if (r.skipped.length) parts.push(`${r.skipped.length} item(s) not graded in this run (--only).`);
  if (r.candidate.verdicts.length) parts.push(r.candidate.verdicts.join(' '));
  return parts.join(' ');
}

/** `score` of `max` as a whole percentage for reports ("80 %"); "–" when nothing was graded. */
export const percent = (score: number, max: number): string =>
  max ? `${Math.round((100 * score) / max)} %` : '–';
