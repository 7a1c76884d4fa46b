import { rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  awayFromSlotEdge,
  burst,
  expectAllowedCount,
  expectDecisions,
  keysOf,
  limits,
  refilled,
  sequence,
} from './steps/limits.ts';

// Instances a and b share the limits under test (c has unreachable ones).
const PAIR = [0, 1];

rubricTest(
  rubric,
  'shared-across-instances',
  async () => {
    const { limit, capacity, refillPerSec } = limits();
    const [wKey, bKey] = keysOf('shared-across-instances');
    await awayFromSlotEdge(1000);
    const w = await sequence(2 * limit, (k) => PAIR[k % 2]!, 'window', { key: wKey });
    expectDecisions(w, 'window requests alternating between instances a and b');
    expectAllowedCount(
      w,
      limit,
      limit,
      `${2 * limit} window requests of one key alternating between instances a and b`,
    );
    const t0 = Date.now();
    const b = await sequence(capacity + 3, (k) => PAIR[k % 2]!, 'bucket', { key: bKey });
    expectDecisions(b, 'bucket requests alternating between instances a and b');
    expectAllowedCount(
      b,
      capacity,
      capacity + refilled(Date.now() - t0, refillPerSec),
      `${capacity + 3} bucket requests of one key alternating between instances a and b (a bucket of ${capacity})`,
    );
  },
  { timeout: 30_000 },
);

rubricTest(
  rubric,
  'atomic-under-concurrency',
  async () => {
    const { limit, capacity, refillPerSec } = limits();
    const keys = keysOf('atomic-under-concurrency');
    // Several clients at once, so a read-then-write race shows on every run, not on some.
    await awayFromSlotEdge(1200);
    const windows = await Promise.all(
      keys.slice(0, 3).map((key) => burst(5 * limit, PAIR, 'window', { key })),
    );
    for (const [i, w] of windows.entries()) {
      expectDecisions(w, 'concurrent window requests');
      expectAllowedCount(
        w,
        limit,
        limit,
        `${5 * limit} window requests of key ${keys[i]} sent at once over instances a and b`,
      );
    }
    const t0 = Date.now();
    const buckets = await Promise.all(
      keys.slice(0, 3).map((key) => burst(5 * capacity, PAIR, 'bucket', { key })),
    );
    const regained = refilled(Date.now() - t0, refillPerSec);
    for (const [i, b] of buckets.entries()) {
      expectDecisions(b, 'concurrent bucket requests');
      expectAllowedCount(
        b,
        capacity,
        capacity + regained,
        `${5 * capacity} bucket requests of key ${keys[i]} sent at once over instances a and b (a bucket of ${capacity})`,
      );
    }
  },
  { timeout: 30_000 },
);
