import { control, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { effectsOf, expectAccepted, expectFinal, goodOrder, listed, place, skuFor } from './steps/orders.ts';

/** README R7's 2 s, plus the 1 s of margin it states. */
const HEALTHY_BOUND_MS = 3_000;

rubricTest(rubric, 'happy-path', async () => {
  const body = goodOrder('happy');
  const ex = await place(0, body, 'happy-1');
  const orderId = expectAccepted(ex, 'a valid order');
  const { ex: final } = await expectFinal(
    1,
    orderId,
    'COMPLETED',
    HEALTHY_BOUND_MS,
    'an order with healthy services',
  );
  const effects = await effectsOf(orderId);
  if (listed(effects) !== 'reserve, charge, ship')
    fail(
      final,
      'reserve, charge, ship, once each and in that order (R4)',
      `The services saw: ${listed(effects)}.`,
    );
});

/** One permanent failure per step, and what must be undone (R5). */
const CASES = [
  {
    what: 'an order whose SKU is out of stock (409 at reserve)',
    body: { ...goodOrder('p409'), sku: skuFor('p409', 'none-') },
    want: 'none',
  },
  {
    what: 'an order whose card is declined (402 at charge)',
    body: { ...goodOrder('p402'), amountCents: 3402 },
    want: 'reserve, release',
  },
  {
    what: 'an order to an undeliverable address (422 at ship)',
    body: { ...goodOrder('p422'), address: '9 Nowhere Lane' },
    want: 'reserve, charge, refund, release',
  },
];

rubricTest(rubric, 'compensates-in-reverse', async () => {
  // Compensations that take a moment (well within R7's 2 s): CANCELLED must wait for them.
  await control
    .stub('payment')
    .add([{ method: 'POST', path: '/charges/*', respond: { model: true, delayMs: 400 } }]);
  await control
    .stub('inventory')
    .add([{ method: 'DELETE', path: '/reservations/*', respond: { model: true, delayMs: 400 } }]);
  const placed = [];
  for (const c of CASES)
    placed.push({ ...c, orderId: expectAccepted(await place(0, c.body, `perm-${c.want}`), c.what) });
  for (const c of placed) {
    const { ex } = await expectFinal(1, c.orderId, 'CANCELLED', HEALTHY_BOUND_MS, c.what);
    const effects = await effectsOf(c.orderId);
    if (listed(effects) !== c.want)
      fail(
        ex,
        `exactly these effects, in this order, by the time the status says CANCELLED, for ${c.what}: ${c.want} (R5: undo what succeeded, in reverse, once each; then CANCELLED)`,
        `The services saw: ${listed(effects)}.`,
      );
  }
});
