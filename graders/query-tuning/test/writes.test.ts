import { api, type Exchange, expectError, expectStatus, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { SIZES } from './steps/data.ts';
import { type Order, product, recordOrder, sql, topProducts } from './steps/oracle.ts';
import {
  expect400,
  expectBody,
  firstDifference,
  idleCustomer,
  ordersPage,
  ordinaryCustomer,
} from './steps/shop.ts';

const place = (i: number, body: unknown): Promise<Exchange> => api(i).post('/orders', body);

/** Checks a placed order against what was sent and the prices of the moment; returns it. */
async function expectPlaced(
  ex: Exchange,
  customer: number,
  items: { product_id: number; quantity: number }[],
  sentAt: number,
): Promise<Order> {
  if (ex.status !== 201) fail(ex, '201 with the order (R5)');
  const got = ex.json as Order;
  const at = Date.parse(got?.created_at ?? '');
  // The service's clock and the grader's are the same machine's: 2 s either way is a loaded one.
  if (!(Math.abs(at - sentAt) < 2_000) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(got.created_at))
    fail(ex, 'created_at the time of the order, as YYYY-MM-DDTHH:MM:SS.sssZ (R1, R5)');
  const lines: Order['items'] = [];
  for (const [n, it] of items.entries()) {
    const p = (await product(it.product_id))!;
    lines.push({
      line_no: n + 1,
      product_id: it.product_id,
      product_name: p.name,
      quantity: it.quantity,
      unit_price_cents: p.price_cents,
      line_total_cents: it.quantity * p.price_cents,
    });
  }
  const want: Order = {
    id: got.id,
    customer_id: customer,
    status: 'placed',
    created_at: got.created_at,
    total_cents: lines.reduce((t, l) => t + l.line_total_cents, 0),
    items: lines,
  };
  const d = firstDifference(got, want);
  if (d) fail(ex, 'the order placed, at the products’ current prices (R5)', d);
  if (!Number.isSafeInteger(got.id) || got.id <= SIZES.orders)
    fail(ex, `a new order id, above ${SIZES.orders} (R5)`);
  return got;
}

rubricTest(rubric, 'writes-show-at-once', async () => {
  const r = seeded('writes');
  const customer = ordinaryCustomer(r.int(0, 1e6));
  const items = Array.from({ length: r.int(2, 4) }, () => ({
    product_id: r.int(1, SIZES.products),
    quantity: r.int(1, 100),
  }));
  const [{ country }] = (await sql<{ country: string }>('SELECT country FROM customers WHERE id = $1', [
    customer,
  ])) as [{ country: string }];
  const listing = () => api(1).get('/customers', { query: { country, after_id: customer - 1, limit: 1 } });
  const entry = (ex: Exchange) => {
    expectStatus(ex, [200], `customer ${customer} in the ${country} listing (R2)`);
    const c = (ex.json as { data?: { id?: number; order_count?: unknown; last_order_at?: unknown }[] })
      ?.data?.[0];
    if (c?.id !== customer)
      fail(ex, `customer ${customer} first in the ${country} listing after id ${customer - 1} (R2)`);
    return c;
  };
  const before = entry(await listing());
  // Today's report before the order too: a report kept from before the write must not be served.
  const report = (day: string) =>
    api(1).get('/reports/top-products', { query: { from: day, to: day, limit: 100 } });
  expectStatus(await report(new Date().toISOString().slice(0, 10)), [200], "today's report (R3)");
  const sentAt = Date.now();
  const placed = await expectPlaced(
    await place(0, { customer_id: customer, items }),
    customer,
    items,
    sentAt,
  );
  await recordOrder(placed);
  // At once, on the other instance: the customer's newest order, their count, and today's report.
  const page = await ordersPage(1, customer);
  expectStatus(page, [200], `customer ${customer}'s orders (R1)`);
  const newest = firstDifference((page.json as { data?: unknown[] })?.data?.[0], placed);
  if (newest) fail(page, `order ${placed.id}, just placed on the other instance, first (R5)`, newest);
  const afterEx = await listing();
  const after = entry(afterEx);
  if (after.order_count !== Number(before.order_count) + 1 || after.last_order_at !== placed.created_at)
    fail(
      afterEx,
      `order_count one more than before (${before.order_count}) and last_order_at ${placed.created_at}, right after order ${placed.id} (R5)`,
    );
  const today = placed.created_at.slice(0, 10);
  expectBody(
    await report(today),
    'data',
    await topProducts(today, today, 100),
    `today's report right after order ${placed.id} (R5)`,
  );
  // Refused orders change nothing. They name a customer without orders, whom no other test
  // reads: one stored by mistake cannot cost another item.
  const idle = idleCustomer(r.int(0, 1e6));
  expectError(
    await place(1, { customer_id: idle, items: [{ product_id: SIZES.products + 1000, quantity: 1 }] }),
    [422],
    'an item names no product (R5)',
  );
  expectError(await place(0, { customer_id: 9_000_000, items }), [422], 'no such customer (R5)');
  const one = (quantity: number) => ({ customer_id: idle, items: [{ product_id: 1, quantity }] });
  const refused: [string, unknown][] = [
    ['quantity 0', one(0)],
    ['quantity 101', one(101)],
    ['quantity 1.5', one(1.5)],
    ['no items', { customer_id: idle, items: [] }],
    [
      '21 items',
      {
        customer_id: idle,
        items: Array.from({ length: 21 }, (_, i) => ({ product_id: i + 1, quantity: 1 })),
      },
    ],
    ['a customer id as a string', { customer_id: String(idle), items }],
  ];
  for (const [why, body] of refused) expect400(await place(0, body), `${why} (R5, R9)`);
  expectBody(await ordersPage(0, idle), 'data', [], `customer ${idle} after refused orders only (R5)`);
});
