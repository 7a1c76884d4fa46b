import { setTimeout as sleep } from 'node:timers/promises';
import { fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  allowedOf,
  awayFromSlotEdge,
  burst,
  expectAllowed,
  expectAllowedCount,
  expectDecisions,
  expectStatus,
  hit,
  keysOf,
  limits,
  refilled,
  sequence,
  sleepUntil,
} from './steps/limits.ts';

rubricTest(
  rubric,
  'bucket-burst-and-refill',
  async () => {
    const { capacity, refillPerSec } = limits();
    const [key] = keysOf('bucket-burst-and-refill');
    const client = `key:${key}`;
    const t0 = Date.now();
    const first = await sequence(capacity + 2, () => 0, 'bucket', { key });
    expectDecisions(first, 'a burst on the bucket route');
    const emptyAt = Date.now();
    expectAllowedCount(
      first,
      capacity,
      capacity + refilled(emptyAt - t0, refillPerSec),
      `${capacity + 2} requests one after another on a full bucket of ${capacity}`,
    );
    expectAllowed(first[0]!, 'the first request on a full bucket', client);
    // Whatever the bucket held at emptyAt (less than a token, after the refusals), 1.25 tokens'
    // time later at least one is back, however long the burst took.
    const wait = 1250 / refillPerSec;
    await sleepUntil(emptyAt + wait);
    const later = await sequence(3, () => 0, 'bucket', { key });
    const end = Date.now();
    expectDecisions(later, 'requests after the refill');
    // And at most the tokens there ever were since t0 that the burst did not take: exactly one
    // while the burst and these took under 0.75 tokens' time between them (a quiet machine, by
    // far); a busy one that took longer only widens the bound, never fails a correct bucket (a
    // fixed 1.5 tokens' wait after a 0.6 s burst let two through, correctly, in test:busy).
    const unspent = capacity + refilled(end - t0, refillPerSec) - allowedOf(first);
    expectAllowedCount(
      later,
      1,
      Math.min(later.length, Math.max(1, unspent)),
      `3 requests sent ${wait / 1000} s after the bucket ran empty, at ${refillPerSec} token(s) per second`,
    );
  },
  { timeout: 30_000, concurrent: true },
);

rubricTest(
  rubric,
  'bucket-never-above-capacity',
  async () => {
    const { capacity, refillPerSec } = limits();
    const [key] = keysOf('bucket-never-above-capacity');
    expectStatus(await hit(0, 'bucket', { key }), [200], 'the first request on a full bucket');
    // Long enough to regain more than the one token taken: a missing cap would show the extra.
    const idle = 2200 / refillPerSec;
    await sleep(idle);
    const t0 = Date.now();
    const after = await burst(capacity + 3, [0, 1], 'bucket', { key });
    expectDecisions(after, 'a burst after idling');
    expectAllowedCount(
      after,
      capacity,
      capacity + refilled(Date.now() - t0, refillPerSec),
      `${capacity + 3} requests at once after ${(idle / 1000).toFixed(1)} s of idling (the bucket holds at most ${capacity})`,
    );
  },
  { timeout: 30_000, concurrent: true },
);

rubricTest(
  rubric,
  'policies-separate',
  async () => {
    const { limit, capacity } = limits();
    const [wFirst, bFirst] = keysOf('policies-separate');
    await awayFromSlotEdge();
    await sequence(limit, () => 0, 'window', { key: wFirst });
    expectStatus(await hit(0, 'window', { key: wFirst }), [429], 'the window route, used up');
    const b = await hit(0, 'bucket', { key: wFirst });
    expectStatus(b, [200], 'the bucket route of a client whose window budget is used up');
    if (b.headers['x-ratelimit-remaining'] !== String(capacity - 1))
      fail(
        b,
        `X-RateLimit-Remaining: ${capacity - 1} on the bucket route: the whole bucket, less this request`,
      );

    const drained = await sequence(capacity + 1, () => 0, 'bucket', { key: bFirst });
    if (allowedOf(drained) === drained.length) fail(drained.at(-1)!, 'the bucket route to refuse once empty');
    await awayFromSlotEdge();
    const w = await hit(0, 'window', { key: bFirst });
    expectStatus(w, [200], 'the window route of a client whose bucket is empty');
    if (w.headers['x-ratelimit-remaining'] !== String(limit - 1))
      fail(w, `X-RateLimit-Remaining: ${limit - 1} on the window route: the whole window, less this request`);
  },
  { timeout: 30_000, concurrent: true },
);
