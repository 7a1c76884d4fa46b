import { inject, test } from 'vitest';
import type { GradingContext, LoadRound, RubricItem } from '../types.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    grading: GradingContext;
  }
  export interface TaskMeta {
    slug?: string;
    points?: number;
    category?: RubricItem['category'];
    visibility?: RubricItem['visibility'];
    hint?: string;
    awarded?: number;
    note?: string;
    measured?: string[];
    rounds?: LoadRound[];
  }
}

/** The session a hidden test grades: instance URLs, control URL, seed, candidate env. */
export function grading(): GradingContext {
  return inject('grading');
}

/** What a rubric test body receives. */
export interface GradedTestContext {
  item: RubricItem;
  /** Award partial credit (0..points); without a call a passing test earns full points. */
  award(points: number, note: string): void;
  /** Leave a note shown with a passing result. */
  note(text: string): void;
  /** Record a measured number (a ratio, a latency): reported apart, never in the output text. */
  measure(line: string): void;
  /** Keep a load test's rounds for the reviewer's report (plotted, never scored). */
  plotRounds(rounds: readonly LoadRound[]): void;
}

/**
 * Declare the test of one rubric item. The title and points come from the rubric, so a rubric
 * edit can never drift from the tests; the reporter reads the slug from the test's meta.
 */
export function rubricTest(
  rubric: readonly RubricItem[],
  slug: string,
  fn: (ctx: GradedTestContext) => Promise<void>,
  opts: {
    timeout?: number;
    /**
     * Run alongside the file's other concurrent items: for items that mostly wait (windows,
     * refills) and touch nothing shared. Faults, restarts and load must stay sequential.
     */
    concurrent?: boolean;
  } = {},
): void {
  const item = rubric.find((r) => r.slug === slug);
  if (!item) throw new Error(`rubricTest: no rubric item "${slug}"`);
  const { points, category, visibility, hint } = item;
  // `--only`: unselected items are skipped; a file whose items are all skipped runs no hooks.
  const only = grading().only;
  const declare = !only || only.includes(slug) ? test : test.skip;
  declare(
    item.title,
    {
      meta: { slug, points, category, visibility, hint },
      timeout: opts.timeout,
      concurrent: opts.concurrent,
    },
    async ({ task }) => {
      const meta = task.meta;
      await fn({
        item,
        award: (points, note) => {
          meta.awarded = Math.max(0, Math.min(item.points, points));
          meta.note = note;
        },
        note: (text) => {
          meta.note = text;
        },
        measure: (line) => {
          meta.measured = [...(meta.measured ?? []), line];
        },
        plotRounds: (rounds) => {
          const pick = (l: LoadRound['candidate']) => ({ rps: l.rps, p50: l.p50, p99: l.p99 });
          meta.rounds = rounds.map((r) => ({ candidate: pick(r.candidate), baseline: pick(r.baseline) }));
        },
      });
    },
  );
}
