import { setTimeout as sleep } from 'node:timers/promises';
import { control, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  effectsOf,
  expectAccepted,
  expectEffects,
  expectFinal,
  goodOrder,
  keysPerStep,
  place,
  waitFinal,
} from './steps/orders.ts';

/** README R6's 2 s call timeout, plus 1 s of margin. */
const CALL_TIMEOUT_BOUND_MS = 3_000;
/** README R7: final within 5 s once a fault clears, plus 1 s of margin. */
const AFTER_CLEAR_MS = 6_000;

// The items run at once (the outages are long): each scopes its stub rules to its own order's
// calls, by the SKU, amount or address only it uses.
const concurrent = { concurrent: true, timeout: 45_000 };

const inventory = () => control.stub('inventory');
const payment = () => control.stub('payment');
const shipping = () => control.stub('shipping');

rubricTest(
  rubric,
  'transient-retried-same-key',
  async () => {
    // Each step fails transiently before it succeeds: 503s, a lost answer after the charge was
    // made, a shipment answered later than the 2 s timeout.
    const body = { ...goodOrder('transient'), amountCents: 2001, address: '2 Transient Way' };
    await inventory().add([
      {
        method: 'POST',
        path: '/reservations',
        body: { sku: body.sku },
        times: 2,
        respond: { status: 503, json: {} },
      },
    ]);
    await payment().add([
      {
        method: 'POST',
        path: '/charges',
        body: { amountCents: 2001 },
        times: 1,
        respond: { model: true, drop: 'hang' },
      },
    ]);
    await shipping().add([
      {
        method: 'POST',
        path: '/shipments',
        body: { address: body.address },
        times: 1,
        respond: { model: true, delayMs: 3_000 },
      },
    ]);
    const orderId = expectAccepted(await place(0, body, 'transient-1'), 'a valid order');
    const { ex } = await expectFinal(
      1,
      orderId,
      'COMPLETED',
      20_000,
      'an order whose every step failed transiently first',
    );
    await expectEffects(
      ex,
      orderId,
      'reserve, charge, ship',
      'an order retried through transient failures (R6: same key, one effect)',
    );
    // The lost charge answer: the service must have given up on that call after 2 s (R6). The order
    // may have completed sooner (another try, another instance): the call gets its 3 s either way.
    const hungCall = async () =>
      (await payment().calls()).find(
        (c) =>
          c.answered === 'hang' && (c.json as { amountCents?: unknown } | undefined)?.amountCents === 2001,
      );
    for (let waited = 0; waited < CALL_TIMEOUT_BOUND_MS; waited += 100) {
      if ((await hungCall())?.closedAt !== undefined) break;
      await sleep(100);
    }
    const hung = await hungCall();
    const gaveUp = hung?.closedAt === undefined ? undefined : hung.closedAt - hung.at;
    if (!hung || gaveUp === undefined || gaveUp > CALL_TIMEOUT_BOUND_MS)
      fail(
        ex,
        `a charge call whose answer never came abandoned within ${CALL_TIMEOUT_BOUND_MS} ms (R6: calls time out after 2 s, and 1 s of margin)`,
        gaveUp === undefined
          ? 'It was still open when the order completed.'
          : `It was closed after ${gaveUp} ms.`,
      );
    for (const [step, keys] of await keysPerStep(orderId))
      if (keys.size !== 1)
        fail(
          ex,
          `one Idempotency-Key for every try of ${step} (R6)`,
          `It came with ${keys.size} different keys.`,
        );
  },
  concurrent,
);

rubricTest(
  rubric,
  'compensation-retried',
  async ({ note }) => {
    // Only this item's order compensates: the refund and release rules need no scope.
    await payment().add([
      { method: 'POST', path: '/charges/*', times: 3, respond: { status: 500, json: {} } },
    ]);
    await inventory().add([
      { method: 'DELETE', path: '/reservations/*', times: 1, respond: { model: true, drop: 'reset' } },
    ]);
    const body = { ...goodOrder('comp-retry'), amountCents: 2004, address: '3 Nowhere Road' };
    const orderId = expectAccepted(
      await place(0, body, 'comp-retry-1'),
      'an order to an undeliverable address',
    );
    // Retries are graded here; whether a permanent failure compensates at all, when the status
    // says so and in which order, is compensates-in-reverse's (one bug, one category). So the
    // compensations are awaited, not the status, and a service that never tries one has nothing
    // to retry.
    const { ex } = await waitFinal(0, orderId, 20_000);
    const deadline = Date.now() + 20_000;
    let kinds: string[] = [];
    for (;;) {
      kinds = (await effectsOf(orderId)).map((e) => e.kind);
      if ((kinds.includes('refund') && kinds.includes('release')) || Date.now() > deadline) break;
      await sleep(200);
    }
    const tried = (await payment().calls()).some((c) => /^\/charges\/.+\/refund$/.test(c.path));
    const want = ['reserve', 'charge', 'refund', 'release'];
    if (!tried && !kinds.includes('release')) {
      note(
        'No compensation was tried, so there was no retry to judge: undoing steps is graded by compensates-in-reverse.',
      );
      return;
    }
    if ([...kinds].sort().join(', ') !== [...want].sort().join(', '))
      fail(
        ex,
        'reserve, charge, a refund and a release, each exactly once, within 20 s, for compensations that failed transiently first (R6: retried until they succeed)',
        `The services saw: ${kinds.join(', ') || 'none'}.`,
      );
  },
  concurrent,
);

rubricTest(
  rubric,
  'final-soon-after-fault-clears',
  async () => {
    // Two orders, each with payment down for it alone: 20 s, where a backoff that doubles
    // without a cap has grown past R7's 5 s, and 27 s, near R6's 30 s of retrying. Each must
    // still be PENDING just before its outage ends, and final soon after.
    const outage = async (label: string, amountCents: number, ms: number) => {
      await payment().add([
        {
          method: 'POST',
          path: '/charges',
          body: { amountCents },
          forMs: ms,
          respond: { status: 503, json: {} },
        },
      ]);
      const t0 = Date.now();
      const orderId = expectAccepted(
        await place(1, { ...goodOrder(label), amountCents }, `${label}-1`),
        'a valid order',
      );
      await sleep(Math.max(0, ms - 1_000 - (Date.now() - t0)));
      const during = await waitFinal(0, orderId, 0);
      if (during.status !== 'PENDING')
        fail(
          during.ex,
          `"status": "PENDING" ${(ms - 1_000) / 1000} s into a payment outage (R6: retried for at least 30 s before giving up)`,
        );
      await sleep(Math.max(0, ms - (Date.now() - t0)));
      const r = await expectFinal(
        0,
        orderId,
        'COMPLETED',
        AFTER_CLEAR_MS,
        `an order once a ${ms / 1000} s payment outage has cleared (5 s, and 1 s of margin)`,
      );
      await expectEffects(
        r.ex,
        orderId,
        'reserve, charge, ship',
        `an order that waited out a ${ms / 1000} s payment outage`,
      );
    };
    // Both at once; the first failure in a fixed order is reported, so a seed reproduces the text.
    const results = await Promise.allSettled([
      outage('clears-20', 2002, 20_000),
      outage('clears-27', 2003, 27_000),
    ]);
    const failed = results.find((x) => x.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  },
  concurrent,
);
