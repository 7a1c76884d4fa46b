import {
  type Comparison,
  compareToBaseline,
  control,
  expectLoadAnswered,
  fail,
  grading,
  latencyRatio,
  linearShare,
  rubricTest,
  showMs,
  showRatio,
} from '@bc/harness/kit';
import { beforeAll } from 'vitest';
import { rubric } from '../rubric.ts';
import { expectPage, LIST, list } from './steps/products.ts';

// README R16: the deep page against the first page (keyset on an index stays near 1×), and the
// first page against a bare primary-key lookup.
const DEEP = { full: 2, zero: 10 };
const THROUGHPUT = { full: 0.3, zero: 0.1 };
const DEPTH = 150_000;
const PAGE = 100;
/** README R16: a walk slower than this is measured where it got to (still deep enough to show). */
const WALK_BUDGET_MS = 20_000;
const LOAD = { rounds: 3, durationSec: 1, connections: 8, expectStatus: 200 };

let deep: Comparison | undefined;
/** How deep the measured page is: DEPTH unless the walk ran out of time. */
let depth = 0;
let first: Comparison | undefined;
let setupError: Error | undefined;

/** Whether this grading grades `slug` (`--only` may leave a measurement out, and its cost). */
const graded = (...slugs: string[]): boolean => {
  const only = grading().only;
  return !only || slugs.some((s) => only.includes(s));
};

beforeAll(async () => {
  try {
    const inst = grading().instances[0]!.url;
    const page = (c?: string) => `${inst}${LIST}?limit=20${c ? `&cursor=${encodeURIComponent(c)}` : ''}`;
    if (graded('deep-page-p50', 'deep-page-p99')) {
      // The only way to a deep cursor from outside: walk there, PAGE rows at a time.
      let cursor: string | null = null;
      const walkEnds = Date.now() + WALK_BUDGET_MS;
      for (depth = 0; depth < DEPTH && Date.now() < walkEnds; depth += PAGE) {
        const ex = await list(0, { limit: PAGE, ...(cursor ? { cursor } : {}) });
        const p = expectPage(ex, PAGE, `page ${depth / PAGE + 1} on the way to row ${DEPTH}`);
        if (!p.page.nextCursor)
          fail(ex, `a next page after ${depth + p.data.length} rows (the table holds over 200,000)`);
        cursor = p.page.nextCursor;
      }
      deep = await compareToBaseline([page(cursor!)], [page()], LOAD);
    }
    if (graded('first-page-throughput')) {
      const firstPage = await list(0, { limit: 20 });
      const ids = expectPage(firstPage, 20, 'the first page').data.map((d) => d.id as number);
      const base = await control.baseline('lookup');
      first = await compareToBaseline(
        [page()],
        ids.map((id) => `${base}${LIST}/${id}`),
        LOAD,
      );
    }
  } catch (e) {
    setupError = e as Error;
  }
}, 240_000);

function measured(c: Comparison | undefined): Comparison {
  if (setupError) throw setupError;
  return expectLoadAnswered(c!, '200 for every page', 'not 200');
}

for (const [slug, pick] of [
  ['deep-page-p50', 'p50'],
  ['deep-page-p99', 'p99'],
] as const) {
  rubricTest(rubric, slug, async ({ item, award, measure, plotRounds }) => {
    const c = measured(deep);
    plotRounds(c.rounds);
    const ratio = latencyRatio(c.rounds, pick);
    measure(
      `${pick} of the page ${depth.toLocaleString('en')} rows deep${depth < DEPTH ? ' (as far as a 20 s walk got)' : ''} ${showMs(c.candidate[pick])} vs the first page ${showMs(c.baseline[pick])} = ${showRatio(ratio)} (median of ${c.rounds.length} rounds)`,
    );
    award(
      item.points * linearShare(-ratio, -DEEP.full, -DEEP.zero),
      `full marks at ≤ ${DEEP.full}×, none at ≥ ${DEEP.zero}×`,
    );
  });
}

rubricTest(rubric, 'first-page-throughput', async ({ item, award, measure, plotRounds }) => {
  const c = measured(first);
  plotRounds(c.rounds);
  measure(
    `first page ${Math.round(c.candidate.rps)} req/s vs a bare primary-key lookup ${Math.round(c.baseline.rps)} req/s = ${c.throughputRatio.toFixed(2)}× (median of ${c.rounds.length} rounds)`,
  );
  award(
    item.points * linearShare(c.throughputRatio, THROUGHPUT.full, THROUGHPUT.zero),
    `full marks at ≥ ${THROUGHPUT.full}×, none at ≤ ${THROUGHPUT.zero}×`,
  );
});
