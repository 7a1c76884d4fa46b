import {
  control,
  grading,
  LOAD_ERROR_SHARE,
  linearShare,
  rubricTest,
  showMs,
  showRatio,
} from '@bc/harness/kit';
import { beforeAll } from 'vitest';
import { rubric } from '../rubric.ts';
import { compareSagas } from './steps/load.ts';
import { expectAccepted, expectFinal, goodOrder, place } from './steps/orders.ts';

// Full marks at these ratios to the calibration service (README R12), zero at the far ends.
const THROUGHPUT = { full: 0.5, zero: 0.15 };
const P99 = { full: 3.0, zero: 10.0 };
const LOAD = { rounds: 3, seconds: 2, clients: 16 };

let comparison: Awaited<ReturnType<typeof compareSagas>> | undefined;
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    // One order first: a service that cannot complete one is not load-tested.
    const orderId = expectAccepted(
      await place(0, goodOrder('load-check'), 'load-check'),
      'an order before the load test',
    );
    await expectFinal(0, orderId, 'COMPLETED', 3_000, 'an order before the load test');
    const base = await control.baseline('calibration');
    comparison = await compareSagas(grading().instances[0]!.url, base, LOAD);
  } catch (e) {
    setupError = e as Error;
  }
}, 120_000);

function measured() {
  if (setupError) throw setupError;
  const c = comparison!;
  const total = c.rounds.reduce((s, r) => s + r.candidate.completed + r.candidate.failed, 0);
  if (c.failed > total * LOAD_ERROR_SHARE)
    throw new Error(
      `Expected: every order COMPLETED within 5 s under load, with healthy services (R7)\nGot:      ${c.failed} of ${total} orders were refused, failed or still pending`,
    );
  return c;
}

/** The rounds as the reviewer's report plots them: sagas per second stand in for requests. */
const plotted = (c: ReturnType<typeof measured>) =>
  c.rounds.map((r) => ({
    candidate: { rps: r.candidate.perSec, p50: r.candidate.p50, p99: r.candidate.p99 },
    baseline: { rps: r.baseline.perSec, p50: r.baseline.p50, p99: r.baseline.p99 },
  }));

rubricTest(rubric, 'saga-throughput', async ({ item, award, measure, plotRounds }) => {
  const c = measured();
  plotRounds(plotted(c));
  measure(
    `${c.candidate.perSec.toFixed(1)} sagas/s vs calibration ${c.baseline.perSec.toFixed(1)} sagas/s = ${c.throughputRatio.toFixed(2)}× (median of ${c.rounds.length} rounds, ${LOAD.clients} clients)`,
  );
  award(
    item.points * linearShare(c.throughputRatio, THROUGHPUT.full, THROUGHPUT.zero),
    `full marks at ≥ ${THROUGHPUT.full}×, none at ≤ ${THROUGHPUT.zero}×`,
  );
});

rubricTest(rubric, 'saga-latency-p99', async ({ item, award, measure, plotRounds }) => {
  const c = measured();
  plotRounds(plotted(c));
  measure(
    `p99 time to final ${showMs(c.candidate.p99)} vs calibration ${showMs(c.baseline.p99)} = ${showRatio(c.p99Ratio)}`,
  );
  award(
    item.points * linearShare(-c.p99Ratio, -P99.full, -P99.zero),
    `full marks at ≤ ${P99.full}×, none at ≥ ${P99.zero}×`,
  );
});
