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
// Full throughput marks at 0.4x, not 0.5x: on two cores a correct limiter in Go (one script per
// request, fixtures/alternative-go) measured 0.48-0.63x of Go's bare INCR, its cores shared with
// the load generator, and lost points on one seed in five.
const THROUGHPUT = { full: 0.4, zero: 0.25 };
const P99 = { full: 3.0, zero: 8.0 };
/** Instance c: one proxy hop trusted, limits nobody reaches. */
const LOADED = 2;
const LOAD = { rounds: 3, durationSec: 1, connections: 16, expectStatus: 200 };
/**
 * Requests put in the load key's window before measuring. Work that grows with the window costs in
 * proportion to its log, and a log filled for a fixed time holds fewer entries on a slower machine:
 * window-counted-by-reading measured 0.64x on the default 1 s warm-up (full marks, 4 of 5 seeds),
 * 0.30x after 4 s on a quiet machine and 0.43x beside a CPU hog. A fixed count tells the same story
 * at any speed.
 */
const WINDOW_FILL = 10_000;

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
    await fillWindow(key!);
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

/** WINDOW_FILL allowed requests on the loaded instance's window route, 16 at a time. */
async function fillWindow(key: string): Promise<void> {
  let left = WINDOW_FILL;
  const client = async (): Promise<void> => {
    while (left-- > 0)
      expectAllowed(
        await hit(LOADED, 'window', { key }),
        'the window route while filling its log before the load test',
        `key:${key}`,
      );
  };
  await Promise.all(Array.from({ length: LOAD.connections }, client));
}
