import type { RubricItem } from '../types.ts';
import { type Comparison, linearShare, showMs, showRatio } from './load.ts';
import { rubricTest } from './rubric-test.ts';

/** Where a ratio earns full marks and where it earns none, linear in between. */
export interface RatioScale {
  slug: string;
  full: number;
  zero: number;
}

/**
 * The two performance items of a load-tested grader: throughput and p99 latency as ratios to
 * its baseline, measured once in the file's set-up (`measured` throws what went wrong there).
 */
export function ratioItems(
  rubric: readonly RubricItem[],
  scales: { throughput: RatioScale; p99: RatioScale },
  measured: () => Comparison,
): void {
  const { throughput: t, p99: p } = scales;
  rubricTest(rubric, t.slug, async ({ item, award, measure, plotRounds }) => {
    const c = measured();
    plotRounds(c.rounds);
    const ratio = c.throughputRatio;
    measure(
      `throughput ${Math.round(c.candidate.rps)} req/s vs baseline ${Math.round(c.baseline.rps)} req/s = ${ratio.toFixed(2)}× (median of ${c.rounds.length} rounds)`,
    );
    award(
      item.points * linearShare(ratio, t.full, t.zero),
      `full marks at ≥ ${t.full}×, none at ≤ ${t.zero}×`,
    );
  });
  rubricTest(rubric, p.slug, async ({ item, award, measure, plotRounds }) => {
    const c = measured();
    plotRounds(c.rounds);
    const ratio = c.p99Ratio;
    measure(
      `p99 ${showMs(c.candidate.p99)} vs baseline ${showMs(c.baseline.p99)} = ${showRatio(ratio)} (median of ${c.rounds.length} rounds)`,
    );
    award(
      item.points * linearShare(-ratio, -p.full, -p.zero),
      `full marks at ≤ ${p.full}×, none at ≥ ${p.zero}×`,
    );
  });
}
