import { api, compareToBaseline, control, fail, grading, rubricTest, seeded } from '@bc/harness/kit';
import { beforeAll } from 'vitest';
import { rubric } from '../rubric.ts';
import { create, expectRedirect, pool } from './steps/urls.ts';

// Full marks at these ratios to a bare Express + one Redis GET, zero at the far ends: generous
// enough that a sound design never flakes on a busy 2-core machine, tight enough that a hot path
// hitting Postgres (or worse, scanning it) loses.
const THROUGHPUT = { full: 0.7, zero: 0.35 };
const P99 = { full: 2.0, zero: 5.0 };
const TABLE_ROWS = 3000;
const HOT_LINKS = 20;

let comparison: Awaited<ReturnType<typeof compareToBaseline>> | undefined;
let setupError: Error | undefined;

const linear = (x: number, full: number, zero: number): number =>
  Math.max(0, Math.min(1, (x - zero) / (full - zero)));

beforeAll(async () => {
  try {
    const r = seeded('performance');
    // A realistically sized table, so a lookup that scans it shows.
    await pool(TABLE_ROWS, 50, async (i) => {
      const ex = await api(i % 2).post('/api/v1/urls', { url: `${r.url()}&row=${i}` });
      if (ex.status !== 201) fail(ex, '201 while filling the table for the load test');
    });
    const hot = await Promise.all(
      Array.from({ length: HOT_LINKS }, async () => {
        const url = r.url();
        return { url, code: (await create(api(0), { url })).code };
      }),
    );
    for (const h of hot) expectRedirect(await api(0).get(`/${h.code}`), h.url);
    const base = await control.baseline('redirect');
    await fetch(`${base}/__seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(hot.map((h) => [h.code, h.url]))),
    });
    const inst = grading().instances[0]!.url;
    comparison = await compareToBaseline(
      hot.map((h) => `${inst}/${h.code}`),
      hot.map((h) => `${base}/${h.code}`),
      { rounds: 2, durationSec: 2, connections: 16, expectStatus: 302 },
    );
  } catch (e) {
    setupError = e as Error;
  }
}, 120_000);

function measured() {
  if (setupError) throw setupError;
  const c = comparison!;
  const wrong = c.candidate.unexpected + c.candidate.errors;
  if (wrong > c.candidate.requests * 0.01) {
    throw new Error(
      `Expected: 302 for every cached redirect under load\nGot:      ${wrong} of ${c.candidate.requests} responses were errors or not 302`,
    );
  }
  return c;
}

rubricTest(rubric, 'redirect-throughput', async ({ item, award }) => {
  const c = measured();
  const ratio = c.throughputRatio;
  award(
    item.points * linear(ratio, THROUGHPUT.full, THROUGHPUT.zero),
    `throughput ${Math.round(c.candidate.rps)} req/s vs baseline ${Math.round(c.baseline.rps)} req/s = ${ratio.toFixed(2)}× (full marks at ≥ ${THROUGHPUT.full}×, none at ≤ ${THROUGHPUT.zero}×)`,
  );
});

rubricTest(rubric, 'redirect-p99', async ({ item, award }) => {
  const c = measured();
  const ratio = c.p99Ratio;
  award(
    item.points * linear(-ratio, -P99.full, -P99.zero),
    `p99 ${c.candidate.p99} ms vs baseline ${c.baseline.p99} ms = ${ratio.toFixed(2)}× (full marks at ≤ ${P99.full}×, none at ≥ ${P99.zero}×)`,
  );
});
