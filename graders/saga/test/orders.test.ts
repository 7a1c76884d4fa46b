import { api, control, type Exchange, expectErrorJson, fail, pool, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  effectsOf,
  expectAccepted,
  expectEffects,
  expectFinal,
  goodOrder,
  keysPerStep,
  listed,
  place,
  skuFor,
  waitFinal,
} from './steps/orders.ts';

const HEALTHY_BOUND_MS = 3_000;
/** Identical orders sent at once in each race. */
const BURST = 12;

rubricTest(rubric, 'idempotent-order', async () => {
  const body = goodOrder('idem');
  const first = await place(0, body, 'idem-1');
  const orderId = expectAccepted(first, 'a new order');
  for (const i of [0, 1]) {
    const again = await place(i, body, 'idem-1');
    if (![200, 202].includes(again.status) || (again.json as { orderId?: unknown })?.orderId !== orderId)
      fail(again, `200 or 202 with "orderId": "${orderId}" for the same key and body again (R2)`);
  }
  const { ex } = await expectFinal(
    0,
    orderId,
    'COMPLETED',
    HEALTHY_BOUND_MS,
    'an order placed three times with one key',
  );
  await expectEffects(
    ex,
    orderId,
    'reserve, charge, ship',
    'an order placed three times with one key (R2: one saga)',
  );
});

rubricTest(rubric, 'key-reuse-refused', async () => {
  const body = goodOrder('reuse');
  const orderId = expectAccepted(await place(0, body, 'reuse-1'), 'a new order');
  for (const [i, changed, what] of [
    [1, { ...body, amountCents: 1 }, 'the amount lowered to 1 cent'],
    [0, { ...body, quantity: body.quantity + 5 }, 'more units'],
    [1, { ...body, address: '66 Elsewhere Road' }, 'another address'],
  ] as const) {
    const ex = await place(i, changed, 'reuse-1');
    if (ex.status !== 422) fail(ex, `422 for the same Idempotency-Key with ${what} (R2)`);
  }
  const { ex } = await expectFinal(
    0,
    orderId,
    'COMPLETED',
    HEALTHY_BOUND_MS,
    'the first order of a reused key',
  );
  const charged = (await control.stub('payment').calls()).filter(
    (c) => c.path === '/charges' && (c.json as { orderId?: unknown } | undefined)?.orderId === orderId,
  );
  if (charged.some((c) => (c.json as { amountCents?: unknown }).amountCents !== body.amountCents))
    fail(
      ex,
      `only the first body's amount (${body.amountCents}) charged for a key reused with other bodies (R2)`,
    );
});

rubricTest(rubric, 'idempotent-order-concurrent', async () => {
  // Several rounds: a race window of one round trip is not hit every time on a loaded machine.
  for (let round = 0; round < 5; round++) {
    const body = goodOrder(`idem-race-${round}`);
    const key = `idem-race-${round}`;
    await pool(BURST, BURST, (k) => api(k % 2).get('/healthz'));
    const xs = await pool(BURST, BURST, (k) => place(k % 2, body, key));
    const ids = new Set<string>();
    for (const x of xs) {
      if (![200, 202].includes(x.status))
        fail(x, `200 or 202 for each of ${BURST} identical orders sent at once (R2)`);
      ids.add(String((x.json as { orderId?: unknown }).orderId));
    }
    if (ids.size !== 1)
      fail(
        xs[0]!,
        `one orderId for ${BURST} identical orders with one key sent at once (R2)`,
        `Got ${ids.size}.`,
      );
    const [orderId] = ids;
    const { ex } = await expectFinal(
      0,
      orderId!,
      'COMPLETED',
      HEALTHY_BOUND_MS,
      `an order sent ${BURST} times at once`,
    );
    await expectEffects(
      ex,
      orderId!,
      'reserve, charge, ship',
      `an order sent ${BURST} times at once with one key (R2: one saga)`,
    );
  }
});

rubricTest(rubric, 'one-run-per-saga', async () => {
  // Many orders over both instances, each step answered 250 ms late so sagas overlap both
  // instances' work: every step of every saga is called once.
  for (const [name, path] of [
    ['inventory', '/reservations'],
    ['payment', '/charges'],
    ['shipping', '/shipments'],
  ] as const)
    await control
      .stub(name)
      .script({ rules: [{ method: 'POST', path, respond: { model: true, delayMs: 250 } }] });
  const ids = await pool(16, 8, async (k) =>
    expectAccepted(await place(k % 2, goodOrder(`many-${k}`), `many-${k}`), 'a valid order'),
  );
  for (const id of ids) {
    const { ex } = await expectFinal(
      0,
      id,
      'COMPLETED',
      10_000,
      'one of 16 orders placed at once over both instances',
    );
    await expectEffects(ex, id, 'reserve, charge, ship', 'one of 16 orders over two instances');
    const calls = await keysPerStep(id);
    for (const [step] of calls) {
      const n = (await callsFor(id, step)).length;
      if (n !== 1)
        fail(
          ex,
          `one call of ${step} per saga with healthy services (R9: no saga runs on two instances)`,
          `It was called ${n} times.`,
        );
    }
  }
});

async function callsFor(orderId: string, step: string) {
  const [method, path] = step.split(' ');
  const name = path!.startsWith('/reservations')
    ? 'inventory'
    : path!.startsWith('/charges')
      ? 'payment'
      : 'shipping';
  return (await control.stub(name).calls()).filter(
    (c) =>
      c.method === method &&
      c.path === path &&
      (c.json as { orderId?: unknown } | undefined)?.orderId === orderId,
  );
}

rubricTest(rubric, 'last-unit-once', async () => {
  const sku = skuFor('unit', 'last-1-');
  await pool(6, 6, (k) => api(k % 2).get('/healthz'));
  const ids = await pool(6, 6, async (k) =>
    expectAccepted(
      await place(k % 2, { ...goodOrder('unit'), sku, quantity: 1 }, `unit-${k}`),
      'an order for the last unit',
    ),
  );
  const outcomes: { id: string; status: string; ex: Exchange }[] = [];
  for (const id of ids) {
    const r = await expectFinalAny(id);
    outcomes.push({ id, ...r });
  }
  const done = outcomes.filter((o) => o.status === 'COMPLETED');
  if (done.length !== 1)
    fail(
      outcomes[0]!.ex,
      `exactly one COMPLETED among 6 orders at once for the last unit of ${sku} (R10)`,
      `${done.length} completed.`,
    );
  for (const o of outcomes) {
    const want = o.status === 'COMPLETED' ? 'reserve, charge, ship' : 'none';
    const effects = await effectsOf(o.id);
    if (listed(effects) !== want)
      fail(
        o.ex,
        `exactly ${want} for a ${o.status} order for the last unit (R10)`,
        `The services saw: ${listed(effects)}.`,
      );
  }
});

async function expectFinalAny(id: string) {
  const r = await waitFinal(0, id, HEALTHY_BOUND_MS);
  if (r.status !== 'COMPLETED' && r.status !== 'CANCELLED')
    fail(
      r.ex,
      `"status" COMPLETED or CANCELLED within ${HEALTHY_BOUND_MS} ms for an order for the last unit (R7, R10)`,
    );
  return { status: r.status, ex: r.ex };
}

const MALFORMED: { what: string; body: unknown; key?: string; raw?: string }[] = [
  { what: 'no Idempotency-Key', body: goodOrder('bad') },
  { what: 'a body that is not JSON', body: undefined, raw: '{"sku": ', key: 'bad-1' },
  { what: 'no sku', body: { ...goodOrder('bad'), sku: undefined }, key: 'bad-2' },
  { what: 'a quantity of 0', body: { ...goodOrder('bad'), quantity: 0 }, key: 'bad-3' },
  { what: 'a fractional quantity', body: { ...goodOrder('bad'), quantity: 1.5 }, key: 'bad-4' },
  { what: 'amountCents as a string', body: { ...goodOrder('bad'), amountCents: '100' }, key: 'bad-5' },
  { what: 'no address', body: { ...goodOrder('bad'), address: undefined }, key: 'bad-6' },
  { what: 'an Idempotency-Key of 256 characters', body: goodOrder('bad'), key: `bad-7-${'k'.repeat(250)}` },
];

rubricTest(rubric, 'bad-input-400', async () => {
  for (const m of MALFORMED) {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(m.key ? { 'Idempotency-Key': m.key } : {}),
    };
    const ex =
      m.raw !== undefined
        ? await api(0).postRaw('/orders', m.raw, headers)
        : await api(0).post('/orders', m.body, { headers: m.key ? { 'Idempotency-Key': m.key } : {} });
    if (ex.status !== 400) fail(ex, `400 for an order with ${m.what} (R1)`);
  }
  // The longest key R1 allows is a key like any other.
  expectAccepted(
    await place(1, goodOrder('edge-key'), `edge-${'k'.repeat(250)}`),
    'an order with an Idempotency-Key of 255 characters (R1: 1–255)',
  );
  const unknown = await api(1).get('/orders/00000000-0000-4000-8000-000000000000');
  if (unknown.status !== 404) fail(unknown, '404 for an order id that does not exist (R3)');
});

rubricTest(rubric, 'error-json', async () => {
  const checks: [string, Exchange][] = [
    ['a 400 (R1)', await api(0).post('/orders', goodOrder('err'))],
    ['a 404 for an unknown order (R3)', await api(0).get('/orders/no-such-order')],
    ['a 404 for an unknown route (R11)', await api(1).get('/no/such/route')],
  ];
  const body = goodOrder('err');
  await place(0, body, 'err-1');
  checks.push(['a 422 (R2)', await place(0, { ...body, quantity: 9 }, 'err-1')]);
  // A success where an error belongs is the item of that rule's to grade, not this one's; every
  // other answer (an error, or none at all) must be the error JSON.
  for (const [what, ex] of checks) {
    if (ex.status >= 200 && ex.status < 400) continue;
    expectErrorJson(ex, `${what}, R11`);
  }
});
