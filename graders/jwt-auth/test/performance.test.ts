import {
  type Comparison,
  compareToBaseline,
  control,
  expectLoadAnswered,
  grading,
  ratioItems,
} from '@bc/harness/kit';
import { beforeAll } from 'vitest';
import { rubric } from '../rubric.ts';
import { account, me } from './steps/auth.ts';

// Full marks at these ratios to a bare route that only verifies the token (README R15), zero at
// the far ends: a KeyObject and one Redis round trip keep well inside; a string secret does not.
const THROUGHPUT = { full: 0.4, zero: 0.15 };
const P99 = { full: 3.0, zero: 8.0 };
/** Instance c: access tokens that outlive the load. */
const LOADED = 2;
const LOAD = { rounds: 3, durationSec: 1, connections: 16, expectStatus: 200 };

let comparison: Comparison | undefined;
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    // A fresh process: what the Redis outages did to it is graded by the resilience items, not here.
    await control.restart(grading().instances[LOADED]!.id);
    const a = await account(LOADED, 'load');
    const ok = await me(LOADED, a.pair.accessToken);
    if (ok.status !== 200)
      throw new Error(`Expected: 200 for GET /me before the load test (R8)\nGot:      ${ok.status}`);
    const base = await control.baseline('verify');
    const target = (origin: string) => [
      { url: `${origin}/me`, headers: { Authorization: `Bearer ${a.pair.accessToken}` } },
    ];
    comparison = await compareToBaseline(target(grading().instances[LOADED]!.url), target(base), LOAD);
  } catch (e) {
    setupError = e as Error;
  }
}, 120_000);

function measured(): Comparison {
  if (setupError) throw setupError;
  return expectLoadAnswered(comparison!, '200 for every GET /me (one valid token, R8)', 'not 200');
}

ratioItems(
  rubric,
  {
    throughput: { slug: 'me-throughput', ...THROUGHPUT },
    p99: { slug: 'me-p99', ...P99 },
  },
  measured,
);
