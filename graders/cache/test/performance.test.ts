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
import { expectProduct, freshId, getProduct, originProduct } from './steps/cache.ts';

// Full marks at these ratios to a route doing one Redis GET and sending the JSON it holds, in the
// submission's language, zero at the far ends (README R15): one round trip per hit keeps well
// inside; a lock, an origin call or extra round trips on the hit path do not.
const THROUGHPUT = { full: 0.7, zero: 0.4 };
const P99 = { full: 2.0, zero: 5.0 };
const LOAD = { rounds: 3, durationSec: 1, connections: 16, expectStatus: 200 };

let comparison: Comparison | undefined;
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    const id = freshId('hot');
    expectProduct(
      await getProduct(0, id),
      id,
      (await originProduct(id))!.version,
      'the hot product before the load test',
    );
    const base = await control.baseline('plain');
    const inst = grading().instances[0]!.url;
    comparison = await compareToBaseline(
      [{ url: `${inst}/products/${id}` }],
      [{ url: `${base}/products/${id}` }],
      LOAD,
    );
  } catch (e) {
    setupError = e as Error;
  }
}, 120_000);

function measured(): Comparison {
  if (setupError) throw setupError;
  return expectLoadAnswered(comparison!, '200 with the hot product for every request', 'not 200');
}

ratioItems(
  rubric,
  {
    throughput: { slug: 'hot-key-throughput', ...THROUGHPUT },
    p99: { slug: 'hot-key-p99', ...P99 },
  },
  measured,
);
