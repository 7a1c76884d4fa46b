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
import { expectAllowed, hit, keysOf, path } from './steps/limits.ts';

// Full marks at these ratios to the same routes without a limiter but with the one Redis round trip
// a shared limiter cannot avoid, in the submission's language (Express for TypeScript and any
// language without one; see grader.config.ts), zero at the far ends (README R16): one round trip
// per request keeps well inside; a connection per request, or work that grows with the window,
// does not.
const THROUGHPUT = { full: 0.5, zero: 0.25 };
const P99 = { full: 3.0, zero: 8.0 };
/** Instance c: one proxy hop trusted, limits nobody reaches. */
const LOADED = 2;
const LOAD = { rounds: 3, durationSec: 1, connections: 16, expectStatus: 200 };

let comparison: Comparison | undefined;
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    const [key] = keysOf('limiter-throughput');
    for (const route of ['window', 'bucket'] as const)
      expectAllowed(
        await hit(LOADED, route, { key }),
        `the ${route} route before the load test`,
        `key:${key}`,
      );
    const base = await control.baseline('plain');
    const inst = grading().instances[LOADED]!.url;
    const targets = (origin: string) =>
      (['window', 'bucket'] as const).map((route) => ({
        url: `${origin}${path(route)}`,
        headers: { 'X-API-Key': key! },
      }));
    comparison = await compareToBaseline(targets(inst), targets(base), LOAD);
  } catch (e) {
    setupError = e as Error;
  }
}, 120_000);

function measured(): Comparison {
  if (setupError) throw setupError;
  return expectLoadAnswered(
    comparison!,
    '200 for every allowed request (limits far above the load)',
    'not 200',
  );
}

ratioItems(
  rubric,
  {
    throughput: { slug: 'limiter-throughput', ...THROUGHPUT },
    p99: { slug: 'limiter-p99', ...P99 },
  },
  measured,
);
