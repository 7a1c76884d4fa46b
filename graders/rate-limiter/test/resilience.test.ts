import { setTimeout as sleep } from 'node:timers/promises';
import { control, type Exchange, type FaultMode, fail, grading, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  addressOf,
  allowedOf,
  awayFromSlotEdge,
  expectAllowedCount,
  expectDecisions,
  expectStatus,
  hit,
  keysOf,
  limits,
  type Route,
  refilled,
  sequence,
} from './steps/limits.ts';

/** README R12's 1 s, plus the margin it states for a loaded machine. */
const BOUND_MS = 1500;
/** README R13's 2 s, plus the same margin. */
const BACK_ON_REDIS_MS = 2500;
const OPEN = 0;
const CLOSED = 1;

// A hang first, while the instances hold live connections (one still connecting after a reset
// would never get as far as a command).
const FAULTS: { mode: FaultMode; what: string }[] = [
  { mode: { mode: 'blackhole' }, what: 'Redis accepts connections but never answers' },
  { mode: { mode: 'down' }, what: 'Redis connections reset and refused' },
];

/**
 * Lift the fault and wait until the instances are back on Redis, for what follows: the
 * fail-closed instance answers again, and the other reconnects on the same schedule (not graded
 * here: redis-recovery grades R13).
 */
async function recover(key: string): Promise<void> {
  await control.fault('redis', { mode: 'up' });
  const deadline = Date.now() + BACK_ON_REDIS_MS;
  while ((await hit(CLOSED, 'bucket', { key, timeoutMs: BOUND_MS })).status === 503 && Date.now() < deadline)
    await sleep(100);
  await sleep(300);
}

function withinBound(xs: Exchange[], phase: string): void {
  for (const ex of xs)
    if (ex.networkError || ex.ms > BOUND_MS)
      fail(ex, `an answer within ${BOUND_MS} ms while ${phase} (R12: 1 s, and 0.5 s of margin)`);
}

/** `n` requests on one instance, each allowed up to the bound and then a little. */
const requests = (instance: number, n: number, route: Route, key: string) =>
  sequence(n, () => instance, route, { key, timeoutMs: BOUND_MS + 1000 });

// First in the file: a restart is judged before any outage has touched the instances.
rubricTest(
  rubric,
  'restart-keeps-budget',
  async () => {
    const { capacity, refillPerSec } = limits();
    const keys = keysOf('restart-keeps-budget');
    const id = grading().instances[OPEN]!.id;
    // A bucket refills slowly enough that a budget forgotten in a restart shows; retried if a
    // restart took so long that the bucket could be full again anyway.
    for (const key of keys) {
      const t0 = Date.now();
      const drained = await sequence(capacity + 1, () => OPEN, 'bucket', { key });
      expectDecisions(drained, 'bucket requests before the restart');
      await control.restart(id, 'SIGKILL');
      const after = await sequence(capacity, () => OPEN, 'bucket', { key });
      const regained = refilled(Date.now() - t0, refillPerSec);
      if (regained >= capacity) continue;
      expectDecisions(after, 'bucket requests after the restart');
      expectAllowedCount(
        after,
        0,
        regained,
        `${capacity} bucket requests right after instance a was killed and restarted, its bucket emptied just before (at most what refilled since)`,
      );
      return;
    }
    throw new Error('every restart took longer than the bucket takes to refill; nothing was judged');
  },
  { timeout: 60_000 },
);

rubricTest(
  rubric,
  'fail-open-local-limit',
  async () => {
    const { limit, capacity, refillPerSec } = limits();
    const keys = keysOf('fail-open-local-limit');
    const probe = keys[5]!;
    for (const [i, f] of FAULTS.entries()) {
      await control.fault('redis', f.mode);
      await awayFromSlotEdge(1500);
      const w = await requests(OPEN, limit + 1, 'window', keys[2 * i]!);
      withinBound(w, f.what);
      expectDecisions(w, `window requests to the fail-open instance a while ${f.what}`);
      expectAllowedCount(
        w,
        limit,
        limit,
        `${limit + 1} window requests of a fresh key to instance a (fail-open) while ${f.what}`,
      );
      const t0 = Date.now();
      const b = await requests(OPEN, capacity + 1, 'bucket', keys[2 * i + 1]!);
      withinBound(b, f.what);
      expectDecisions(b, `bucket requests to the fail-open instance a while ${f.what}`);
      expectAllowedCount(
        b,
        capacity,
        capacity + refilled(Date.now() - t0, refillPerSec),
        `${capacity + 1} bucket requests of a fresh key to instance a (fail-open) while ${f.what}`,
      );
      await recover(probe!);
    }
  },
  { timeout: 60_000 },
);

rubricTest(
  rubric,
  'fail-closed-503',
  async () => {
    const [key, , , , , probe] = keysOf('fail-closed-503');
    for (const f of FAULTS) {
      await control.fault('redis', f.mode);
      for (const route of ['window', 'bucket'] as const) {
        const xs = await requests(CLOSED, 3, route, key!);
        withinBound(xs, f.what);
        for (const ex of xs) {
          expectStatus(ex, [503], `the ${route} route of the fail-closed instance b while ${f.what}`);
          if (ex.headers['retry-after'] !== '1')
            fail(ex, 'Retry-After: 1 on the 503 of a fail-closed instance');
        }
      }
      await recover(probe!);
    }
  },
  { timeout: 60_000 },
);

rubricTest(
  rubric,
  'redis-recovery',
  async () => {
    const { capacity, refillPerSec } = limits();
    const keys = keysOf('redis-recovery');
    let client = 0;
    for (const [i, f] of FAULTS.entries()) {
      await control.fault('redis', f.mode);
      // Both instances notice the outage: a falls back to its own limiter, b refuses.
      await requests(OPEN, 2, 'bucket', keys[i]!);
      await requests(CLOSED, 2, 'bucket', keys[i]!);
      await control.fault('redis', { mode: 'up' });
      const deadline = Date.now() + BACK_ON_REDIS_MS;
      const what = `${capacity + 3} bucket requests of a fresh client alternating between a and b after Redis came back from: ${f.what}`;
      // A fresh client each round: only one shared bucket gives exactly its capacity over both
      // instances (a local bucket on a plus Redis on b gives more; a fail-closed b gives 503s).
      for (;;) {
        const from = addressOf('redis-recovery', client++);
        const t0 = Date.now();
        const b = await sequence(capacity + 3, (k) => k % 2, 'bucket', { from, timeoutMs: BOUND_MS });
        const settled = b.every((x) => x.status === 200 || x.status === 429);
        const allowed = allowedOf(b);
        const regained = refilled(Date.now() - t0, refillPerSec);
        if (settled && allowed >= capacity && allowed <= capacity + regained) break;
        const odd = b.find((x) => ![200, 429, 503].includes(x.status));
        if (odd) fail(odd, `200, 429 or (while b reconnects) 503 for ${what}`);
        if (Date.now() > deadline) {
          expectDecisions(b, `${what}, ${BACK_ON_REDIS_MS / 1000} s on (R13: 2 s, and 0.5 s of margin)`);
          expectAllowedCount(
            b,
            capacity,
            capacity + regained,
            `${what}, ${BACK_ON_REDIS_MS / 1000} s on (one shared bucket of ${capacity} again; R13: 2 s, and 0.5 s of margin)`,
          );
        }
        await sleep(150);
      }
    }
  },
  { timeout: 60_000 },
);
