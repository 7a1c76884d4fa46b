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

const inventory = () => control.stub('inventory');
const payment = () => control.stub('payment');
const shipping = () => control.stub('shipping');

rubricTest(
  rubric,
  'transient-retried-same-key',
  async () => {
    // Each step fails transiently before it succeeds: 503s, a lost answer after the charge was
    // made, a shipment answered later than the 2 s timeout.
    await inventory().script({
      rules: [{ method: 'POST', path: '/reservations', times: 2, respond: { status: 503, json: {} } }],
    });
    await payment().script({
      rules: [{ method: 'POST', path: '/charges', times: 1, respond: { model: true, drop: 'hang' } }],
    });
    await shipping().script({
      rules: [{ method: 'POST', path: '/shipments', times: 1, respond: { model: true, delayMs: 3_000 } }],
    });
    const orderId = expectAccepted(await place(0, goodOrder('transient'), 'transient-1'), 'a valid order');
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
    const hungCall = async () => (await payment().calls()).find((c) => c.answered === 'hang');
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
  { timeout: 40_000 },
);

rubricTest(
  rubric,
  'compensation-retried',
  async () => {
    await payment().script({
      rules: [{ method: 'POST', path: '/charges/*', times: 3, respond: { status: 500, json: {} } }],
    });
    await inventory().script({
      rules: [
        { method: 'DELETE', path: '/reservations/*', times: 1, respond: { model: true, drop: 'reset' } },
      ],
    });
    const body = { ...goodOrder('comp-retry'), address: '3 Nowhere Road' };
    const orderId = expectAccepted(
      await place(0, body, 'comp-retry-1'),
      'an order to an undeliverable address',
    );
    const { ex } = await expectFinal(
      0,
      orderId,
      'CANCELLED',
      20_000,
      'an order whose refund and release failed transiently first',
    );
    // Each compensation once; their order is compensates-in-reverse's to grade.
    const kinds = (await effectsOf(orderId)).map((e) => e.kind).sort();
    if (kinds.join(', ') !== 'charge, refund, release, reserve')
      fail(
        ex,
        'reserve, charge, a refund and a release, each exactly once, for compensations that failed transiently first (R6: retried until they succeed)',
        `The services saw: ${kinds.join(', ') || 'none'}.`,
      );
  },
  { timeout: 40_000 },
);

rubricTest(
  rubric,
  'final-soon-after-fault-clears',
  async () => {
    // Payment is down for 6 s: long enough for backoff to grow, then it clears.
    await payment().script({
      rules: [{ method: 'POST', path: '/charges', respond: { status: 503, json: {} } }],
    });
    const orderId = expectAccepted(await place(1, goodOrder('clears'), 'clears-1'), 'a valid order');
    await sleep(6_000);
    const during = await waitFinal(0, orderId, 0);
    if (during.status !== 'PENDING')
      fail(during.ex, '"status": "PENDING" while payment answers 503 (R6: retried for at least 30 s)');
    await payment().script({});
    const r = await expectFinal(
      0,
      orderId,
      'COMPLETED',
      6_000,
      'an order 6 s after payment came back (R7: 5 s, and 1 s of margin)',
    );
    await expectEffects(r.ex, orderId, 'reserve, charge, ship', 'an order that waited out a payment outage');
  },
  { timeout: 40_000 },
);
