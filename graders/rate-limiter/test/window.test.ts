import { setTimeout as sleep } from 'node:timers/promises';
import { type Exchange, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  awayFromSlotEdge,
  expectAllowed,
  expectAllowedCount,
  expectDecisions,
  expectStatus,
  hit,
  keysOf,
  limits,
  parseField,
  type Route,
  sequence,
  sleepUntil,
} from './steps/limits.ts';

rubricTest(
  rubric,
  'window-exact-limit',
  async () => {
    const { limit, windowMs } = limits();
    const [key] = keysOf('window-exact-limit');
    const client = `key:${key}`;
    await awayFromSlotEdge();
    for (let i = 1; i <= limit; i++)
      expectAllowed(await hit(0, 'window', { key }), `request ${i} of ${limit}`, client);
    const lastAllowedAt = Date.now();
    expectStatus(await hit(0, 'window', { key }), [429], `request ${limit + 1} inside the window`);
    // Every counted request is older than the window by then.
    await sleepUntil(lastAllowedAt + windowMs + 250);
    await awayFromSlotEdge();
    for (let i = 1; i <= limit; i++)
      expectAllowed(
        await hit(0, 'window', { key }),
        `request ${i} of ${limit} once the window has passed`,
        client,
      );
    expectStatus(await hit(0, 'window', { key }), [429], `request ${limit + 1} of the new window`);
  },
  { timeout: 30_000, concurrent: true },
);

/** Fail unless `ex` carries R8's and R9's fields with exactly these values (ranges for Reset). */
function expectHeaders(
  ex: Exchange,
  route: Route,
  want: { limit: number; remaining: [number, number]; reset: [number, number]; w: number },
  what: string,
): void {
  const h = ex.headers;
  const int = (name: string): number | null => (/^\d+$/.test(h[name] ?? '') ? Number(h[name]) : null);
  const limit = int('x-ratelimit-limit');
  const remaining = int('x-ratelimit-remaining');
  const reset = int('x-ratelimit-reset');
  const inRange = (x: number | null, [lo, hi]: [number, number]) => x !== null && x >= lo && x <= hi;
  const range = ([lo, hi]: [number, number]) => (lo === hi ? `${lo}` : `${lo} to ${hi}`);
  if (limit !== want.limit) fail(ex, `X-RateLimit-Limit: ${want.limit} on ${what}`);
  if (!inRange(remaining, want.remaining))
    fail(ex, `X-RateLimit-Remaining: ${range(want.remaining)} on ${what}`);
  if (!inRange(reset, want.reset))
    fail(
      ex,
      `X-RateLimit-Reset: ${range(want.reset)} on ${what}`,
      'Reset is whole seconds until the budget is whole again, rounded up: not a timestamp, not milliseconds.',
    );
  const policy = parseField(h['ratelimit-policy']);
  const wantPolicy = `"${route}";q=${want.limit};w=${want.w}`;
  if (
    !policy ||
    policy.item !== `"${route}"` ||
    policy.params.q !== String(want.limit) ||
    policy.params.w !== String(want.w)
  )
    fail(ex, `RateLimit-Policy: ${wantPolicy} (parameters in any order) on ${what}`);
  const state = parseField(h.ratelimit);
  const wantState = `"${route}";r=${remaining};t=${reset}`;
  if (
    !state ||
    state.item !== `"${route}"` ||
    state.params.r !== String(remaining) ||
    state.params.t !== String(reset)
  )
    fail(ex, `RateLimit: ${wantState}, the same numbers as X-RateLimit-Remaining and -Reset, on ${what}`);
}

rubricTest(
  rubric,
  'rate-limit-headers',
  async () => {
    const { limit, windowSec, capacity, refillPerSec, bucketSec } = limits();
    const [wKey, bKey] = keysOf('rate-limit-headers');
    await awayFromSlotEdge();
    for (let i = 1; i <= limit; i++) {
      const ex = await hit(0, 'window', { key: wKey });
      expectStatus(ex, [200], `window request ${i} of ${limit}`);
      const left = limit - i;
      expectHeaders(
        ex,
        'window',
        { limit, remaining: [left, left], reset: [1, windowSec], w: windowSec },
        `window request ${i}`,
      );
    }
    const limited = await hit(0, 'window', { key: wKey });
    expectStatus(limited, [429], `window request ${limit + 1}`);
    expectHeaders(
      limited,
      'window',
      { limit, remaining: [0, 0], reset: [1, windowSec], w: windowSec },
      'the 429',
    );

    // The bucket refills while the requests go out: allow for what it regained since the first.
    const t0 = Date.now();
    let i = 0;
    for (;;) {
      const ex = await hit(1, 'bucket', { key: bKey });
      const regained = Math.floor(((Date.now() - t0) / 1000) * refillPerSec);
      if (ex.status === 429) {
        if (i < capacity) fail(ex, `200 for bucket request ${i + 1} of a full bucket of ${capacity}`);
        expectHeaders(
          ex,
          'bucket',
          { limit: capacity, remaining: [0, 0], reset: [1, bucketSec], w: bucketSec },
          'the 429',
        );
        break;
      }
      i++;
      expectStatus(ex, [200], `bucket request ${i}`);
      const left = capacity - i;
      expectHeaders(
        ex,
        'bucket',
        {
          limit: capacity,
          remaining: [Math.max(0, left), left + regained],
          reset: [1, bucketSec],
          w: bucketSec,
        },
        `bucket request ${i}`,
      );
      if (i > capacity + regained) fail(ex, `429 once the bucket of ${capacity} is empty`);
    }
  },
  { timeout: 30_000, concurrent: true },
);

/** Run `attempt` up to three times while it reports its timing could not decide (a busy machine). */
async function decisive(attempt: (n: number) => Promise<boolean>): Promise<void> {
  for (let n = 0; n < 3; n++) if (await attempt(n)) return;
  throw new Error('the machine was too busy to time this test three times in a row; nothing was judged');
}

rubricTest(
  rubric,
  'sliding-not-fixed',
  async () => {
    const { limit, windowMs } = limits();
    const keys = keysOf('sliding-not-fixed');
    // Requests one after another (concurrency is graded elsewhere): a burst just before a slot
    // boundary and another just after; a rolling window refuses the second.
    await decisive(async (n) => {
      const key = keys[n]!;
      const into = Date.now() % windowMs;
      await sleep((windowMs - 450 - into + windowMs) % windowMs);
      const first = await sequence(limit, () => 0, 'window', { key });
      expectDecisions(first, 'the first burst');
      expectAllowedCount(first, limit, limit, `${limit} requests at once from a fresh client`);
      const firstDone = Date.now();
      await sleepUntil(firstDone - (firstDone % windowMs) + windowMs + 150);
      if (Date.now() % windowMs < 100) await sleep(100);
      const second = await sequence(limit, () => 0, 'window', { key });
      if (Date.now() - firstDone > windowMs - 300) return false;
      expectDecisions(second, 'the second burst');
      expectAllowedCount(
        second,
        0,
        0,
        `${limit} more requests sent less than ${windowMs} ms after ${limit} allowed ones (just across a ${windowMs} ms boundary)`,
      );
      return true;
    });
    // Part of a window expiring: only what left it is regained.
    await decisive(async (n) => {
      const key = keys[3 - n]!;
      const early = await sequence(limit - 1, () => 0, 'window', { key });
      expectDecisions(early, 'the first requests');
      expectAllowedCount(early, limit - 1, limit - 1, `${limit - 1} requests from a fresh client`);
      const earlyDone = Date.now();
      await sleep(800);
      const middleSent = Date.now();
      expectAllowed(await hit(0, 'window', { key }), `request ${limit} of ${limit}, 800 ms later`);
      await sleepUntil(earlyDone + windowMs + 200);
      const late = await sequence(limit, () => 0, 'window', { key });
      if (Date.now() > middleSent + windowMs - 100) return false;
      expectDecisions(late, 'the last burst');
      expectAllowedCount(
        late,
        limit - 1,
        limit - 1,
        `${limit} requests sent once the first ${limit - 1} left the window but request ${limit} had not`,
      );
      return true;
    });
  },
  { timeout: 40_000, concurrent: true },
);

rubricTest(
  rubric,
  'retry-after-honest',
  async () => {
    const { limit, windowSec } = limits();
    const [wKey, bKey] = keysOf('retry-after-honest');
    const retryAfter = (ex: Exchange, max: number): number => {
      const v = ex.headers['retry-after'];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max)
        fail(ex, `Retry-After: whole seconds from 1 to ${max} on a 429`);
      return Number(v);
    };
    await awayFromSlotEdge(1200);
    for (let i = 1; i <= limit; i++)
      expectStatus(await hit(0, 'window', { key: wKey }), [200], `window request ${i}`);
    const limited = await hit(0, 'window', { key: wKey });
    const limitedAt = Date.now();
    expectStatus(limited, [429], `window request ${limit + 1}`);
    const ra = retryAfter(limited, windowSec);
    if (ra >= 2) {
      await sleepUntil(limitedAt + (ra - 1) * 1000 - 300);
      expectStatus(
        await hit(0, 'window', { key: wKey }),
        [429],
        `a retry sent ${ra - 1} s after a 429 that said Retry-After: ${ra}`,
      );
    }
    await sleepUntil(limitedAt + ra * 1000 + 100);
    expectStatus(
      await hit(0, 'window', { key: wKey }),
      [200],
      `a retry sent ${ra} s after a 429 that said Retry-After: ${ra} (refused requests use no budget)`,
    );

    const { capacity, refillPerSec } = limits();
    const maxBucket = Math.ceil(1 / refillPerSec);
    let bLimited: Exchange | undefined;
    for (let i = 0; i <= capacity + 2 && !bLimited; i++) {
      const ex = await hit(1, 'bucket', { key: bKey });
      expectDecisions([ex], `bucket request ${i + 1}`);
      if (ex.status === 429) bLimited = ex;
    }
    if (!bLimited) throw new Error(`the bucket of ${capacity} never answered 429`);
    const bAt = Date.now();
    const bRa = retryAfter(bLimited, maxBucket);
    await sleepUntil(bAt + bRa * 1000 + 100);
    expectStatus(
      await hit(1, 'bucket', { key: bKey }),
      [200],
      `a bucket retry sent ${bRa} s after a 429 that said Retry-After: ${bRa}`,
    );
  },
  { timeout: 30_000, concurrent: true },
);
