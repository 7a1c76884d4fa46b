import { setTimeout as sleep } from 'node:timers/promises';
import { control, type FaultMode, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { expectProduct, freshId, getProduct, MARGIN_MS, originProduct, readsOf } from './steps/cache.ts';

/** README R10: 1 s plus the origin's time (at most 300 ms), plus the margin. */
const ANSWER_MS = 1000 + 300 + MARGIN_MS;
/** README R10: caching in Redis again within 2 s of its return, plus the margin. */
const BACK_MS = 2000 + MARGIN_MS;

// A hang first, while the instances hold live connections.
const FAULTS: { mode: FaultMode; what: string }[] = [
  { mode: { mode: 'blackhole' }, what: 'Redis accepts connections but never answers' },
  { mode: { mode: 'down' }, what: 'Redis connections reset and refused' },
];

rubricTest(
  rubric,
  'redis-down-origin-serves',
  async () => {
    for (const [k, f] of FAULTS.entries()) {
      await control.fault('redis', f.mode);
      try {
        for (const i of [0, 1, 2]) {
          const id = freshId(`redis-${k}-${i}`);
          const ex = await getProduct(i, id);
          expectProduct(ex, id, (await originProduct(id))?.version ?? 0, `a product read while ${f.what}`);
          if (ex.ms > ANSWER_MS)
            fail(ex, `the product within 1 s plus the origin's time while ${f.what}; it took ${ex.ms} ms`);
        }
      } finally {
        await control.fault('redis', { mode: 'up' });
      }
      const back = Date.now();
      await sleep(BACK_MS);
      // Cached in Redis again: a product fetched on one instance is served by another without the origin.
      const id = freshId(`redis-back-${k}`);
      const first = await getProduct(0, id);
      expectProduct(
        first,
        id,
        (await originProduct(id))?.version ?? 0,
        `a read ${Date.now() - back} ms after Redis came back`,
      );
      const second = await getProduct(1, id);
      expectProduct(
        second,
        id,
        (await originProduct(id))?.version ?? 0,
        'the same product on another instance',
      );
      const calls = await readsOf(id);
      if (calls.length !== 1)
        fail(
          second,
          `one origin call for a product read on two instances, once Redis has been back for 2 s (after ${f.what}); the origin got ${calls.length}`,
        );
    }
  },
  { timeout: 60_000 },
);
