import {
  api,
  type Comparison,
  compareToBaseline,
  control,
  expectLoadAnswered,
  grading,
  latencyRatio,
  linearShare,
  rubricTest,
  seeded,
  showMs,
  showRatio,
} from '@bc/harness/kit';
import { beforeAll } from 'vitest';
import { rubric } from '../rubric.ts';
import { COUNTRIES, DAYS, day } from './steps/data.ts';
import { customersOf, ordersOf, searchOf, topProducts } from './steps/oracle.ts';
import { expectBody, ordinaryCustomer } from './steps/shop.ts';
import { quietDatabase } from './steps/stats.ts';

// README R8: p50 and p99 against the tuned queries on the same data in the same run, scored by
// the worse of the two: p50 full marks at ≤ 1.5×, none at ≥ 3×; p99 full at ≤ 2×, none at ≥ 4×.
// A tail differs more than a median between correct submissions, and more on a busy machine: the
// Go alternative's report read p99 1.04× to 1.55× of the tuned queries' over five seeds while its
// p50 stayed at 0.94-0.98×. Every mutant that names a latency item reads p50 far past 3×.
const SCALE = { p50: { full: 1.5, zero: 3 }, p99: { full: 2, zero: 4 } };
const LOAD = { rounds: 3, durationSec: 1, connections: 8, expectStatus: 200 };
// A tuned report takes ~80 ms: a 1 s round is ~100 requests, whose p99 is its one slowest request
// (a Go alternative's swung 1.3× to 1.56× across gradings of one seed). 3 s makes it the third.
const SECONDS: Partial<Record<Endpoint, number>> = { report: 3 };
const URLS = 10;

/** Each endpoint's load: paths, and the grader's answer to each. */
const endpoints = {
  orders: (n: number) => {
    const c = ordinaryCustomer(seeded(`latency-orders-${n}`).int(0, 1e6));
    return { path: `/customers/${c}/orders`, want: () => ordersOf(c, 20) };
  },
  customers: (n: number) => {
    const r = seeded(`latency-customers-${n}`);
    const country = r.pick(COUNTRIES);
    const after = r.int(0, 99_000);
    return {
      path: `/customers?country=${country}&after_id=${after}`,
      want: () => customersOf(country, after, 20),
    };
  },
  report: (n: number) => {
    const r = seeded(`latency-report-${n}`);
    // One day: the tuned query's cost grows with the range, a scan of every order's does not.
    const d = day(r.int(0, DAYS - 1));
    return { path: `/reports/top-products?from=${d}&to=${d}`, want: () => topProducts(d, d, 10) };
  },
  search: (n: number) => {
    const r = seeded(`latency-search-${n}`);
    const q =
      r.pick(['r', 's', 'e', 'h', 'v', 'c', 'd', 'p', 'g', 'm']) + r.pick(['', 'u', 'o', 'a', 'e', 'l']);
    return { path: `/products/search?q=${q}`, want: () => searchOf(q, 20) };
  },
} as const;
type Endpoint = keyof typeof endpoints;

/*
 * p99: each side's best round, candidate over baseline (README R8). On two cores a round's p99 is
 * where the machine's own scheduling shows: one grading's rounds of the Go alternative read
 * 2.07×, 0.55×, 0.55× against the same baseline, and three gradings at once lost points at
 * median p99 ratios of 1.66× and 1.76× while no p50 ratio passed 1.08×. A busy machine only ever
 * adds latency, so each side's fastest round is the closest to its own; a slow tail that is the
 * submission's shows in every round and still counts.
 */
const bestP99 = (rounds: Comparison['rounds'], of: 'candidate' | 'baseline'): number =>
  Math.min(...rounds.map((r) => r[of].p99));

/** Candidate's best-round p99 over the baseline's; +Infinity when the baseline measured none. */
const p99Ratio = (candidate: number, baseline: number): number =>
  baseline > 0 && Number.isFinite(baseline) ? candidate / baseline : Number.POSITIVE_INFINITY;

const measured = new Map<Endpoint, Comparison | Error>();
/** Endpoints measured after a restart of the instances (work queued by the one before). */
const afterRestart = new Set<Endpoint>();

/** Whether this grading grades `slug` (`--only` may leave a measurement out, and its cost). */
const graded = (slug: string): boolean => {
  const only = grading().only;
  return !only || only.includes(slug);
};

beforeAll(async () => {
  // Started once the first answers are right: an instance that answers nothing costs no baseline.
  let base: string | undefined;
  const inst = grading().instances[0]!.url;
  let last: Comparison | undefined;
  for (const which of Object.keys(endpoints) as Endpoint[]) {
    if (!graded(`latency-${which}`)) continue;
    try {
      // Requests the last load test gave up on leave work behind: fresh instances for this one.
      const left = last ? last.candidate.errors + last.candidate.unexpected > 0 : false;
      if (await quietDatabase(left)) afterRestart.add(which);
      const targets = Array.from({ length: URLS }, (_, n) => endpoints[which](n));
      // The answers first: a fast wrong answer earns nothing (README R8).
      for (const t of targets) {
        expectBody(
          await api(0).get(t.path),
          'data',
          await t.want(),
          `${t.path}, one of the requests load-tested (R8)`,
        );
      }
      base ??= await control.baseline('tuned');
      last = await compareToBaseline(
        targets.map((t) => `${inst}${t.path}`),
        targets.map((t) => `${base}${t.path}`),
        { ...LOAD, durationSec: SECONDS[which] ?? LOAD.durationSec },
      );
      measured.set(which, last);
    } catch (e) {
      measured.set(which, e as Error);
    }
  }
});

for (const which of Object.keys(endpoints) as Endpoint[]) {
  rubricTest(rubric, `latency-${which}`, async ({ item, award, measure, plotRounds }) => {
    const m = measured.get(which);
    if (m instanceof Error) throw m;
    const c = expectLoadAnswered(m!, '200 for every request', 'not 200');
    plotRounds(c.rounds);
    const p50 = latencyRatio(c.rounds, 'p50');
    const tail = { candidate: bestP99(c.rounds, 'candidate'), baseline: bestP99(c.rounds, 'baseline') };
    const p99 = p99Ratio(tail.candidate, tail.baseline);
    measure(
      `p50 ${showMs(c.candidate.p50)} vs the tuned queries' ${showMs(c.baseline.p50)} = ${showRatio(p50)} (median of ${c.rounds.length} rounds' ratios); p99 ${showMs(tail.candidate)} vs ${showMs(tail.baseline)} = ${showRatio(p99)} (each side's best of ${c.rounds.length} rounds)${afterRestart.has(which) ? '; measured after your instances were restarted: the load before left requests unanswered, or its work queued had not finished within 10 s' : ''}`,
    );
    // The worse of the two decides: close to the tuned queries at the median and at the tail.
    const share = Math.min(
      linearShare(-p50, -SCALE.p50.full, -SCALE.p50.zero),
      linearShare(-p99, -SCALE.p99.full, -SCALE.p99.zero),
    );
    award(
      item.points * share,
      `by the worse of p50 (full marks at ≤ ${SCALE.p50.full}×, none at ≥ ${SCALE.p50.zero}×) and p99 (full at ≤ ${SCALE.p99.full}×, none at ≥ ${SCALE.p99.zero}×)`,
    );
  });
}
