import {
  api,
  type Comparison,
  compareToBaseline,
  control,
  expectLoadAnswered,
  fail,
  grading,
  pool,
  ratioItems,
  rubricTest,
  seeded,
} from '@bc/harness/kit';
import { beforeAll } from 'vitest';
import { rubric } from '../rubric.ts';
import { create, expectRedirectTo, seededUrl, stats } from './steps/urls.ts';

// Full marks at these ratios to a bare handler doing one Redis GET in the submission's language
// (Express for TypeScript and any language without one; see grader.config.ts), zero at the far ends: generous
// enough that a sound design never flakes on a busy 2-core machine, tight enough that a hot path
// hitting Postgres (or worse, scanning it) loses.
const THROUGHPUT = { full: 0.7, zero: 0.35 };
const P99 = { full: 2.0, zero: 5.0 };
const TABLE_ROWS = 3000;
const HOT_LINKS = 20;
const LOAD = { rounds: 4, durationSec: 1, connections: 16, expectStatus: [300, 399] as [number, number] };

let comparison: Comparison | undefined;
let hot: { url: string; code: string }[] = [];
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    const r = seeded('performance');
    // A realistically sized table, so a lookup that scans it shows.
    await pool(TABLE_ROWS, 50, async (i) => {
      const ex = await api(i % 2).post('/api/v1/urls', { url: `${seededUrl(r)}&row=${i}` });
      if (ex.status !== 201) fail(ex, '201 while filling the table for the load test');
    });
    hot = await Promise.all(
      Array.from({ length: HOT_LINKS }, async () => {
        const url = seededUrl(r);
        return { url, code: (await create(api(0), { url })).code };
      }),
    );
    for (const h of hot) expectRedirectTo(await api(0).get(`/${h.code}`), h.url);
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
      LOAD,
    );
  } catch (e) {
    setupError = e as Error;
  }
}, 120_000);

function measured(): Comparison {
  if (setupError) throw setupError;
  return expectLoadAnswered(comparison!, 'a redirect (3xx) for every cached redirect', 'not redirects');
}

ratioItems(
  rubric,
  {
    throughput: { slug: 'redirect-throughput', ...THROUGHPUT },
    p99: { slug: 'redirect-p99', ...P99 },
  },
  measured,
);

rubricTest(
  rubric,
  'clicks-exact-after-load',
  async () => {
    if (setupError) throw setupError;
    const c = comparison!;
    const runs = [c.warmup.candidate, ...c.rounds.map((x) => x.candidate)];
    // Served = responses received as redirects, plus the one each hot link got before the load.
    // A request cut off when a run ended may have been counted without its answer arriving:
    // at most one per connection per run.
    const served = runs.reduce((s, x) => s + x.requests - x.unexpected, 0) + hot.length;
    const slack = runs.length * LOAD.connections;
    const deadline = Date.now() + 10_000;
    let total = 0;
    let last = await stats(api(1), hot[0]!.code);
    for (;;) {
      total = 0;
      for (const h of hot) {
        last = await stats(api(1), h.code);
        total += last.clicks;
      }
      if ((total >= served && total <= served + slack) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (total < served || total > served + slack) {
      fail(
        last.ex,
        `the clicks of the ${hot.length} hot links to add up to the redirects served under load (${served}, or up to ${slack} more for requests cut off when a load run ended)`,
        `They add up to ${total}${total < served ? ': clicks were lost' : ': clicks were counted twice'}.`,
      );
    }
  },
  { timeout: 30_000 },
);
