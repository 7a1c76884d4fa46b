import { api, expectError, expectStatus, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { SIZES } from './steps/data.ts';
import { recordOrder, topProducts } from './steps/oracle.ts';
import { expectPlaced, place } from './steps/placing.ts';
import {
  expectBody,
  firstDifference,
  idleCustomer,
  listedCustomer,
  ordersPage,
  ordinaryCustomer,
} from './steps/shop.ts';

rubricTest(rubric, 'writes-show-at-once', async () => {
  const r = seeded('writes');
  const customer = ordinaryCustomer(r.int(0, 1e6));
  const items = Array.from({ length: r.int(2, 4) }, () => ({
    product_id: r.int(1, SIZES.products),
    quantity: r.int(1, 100),
  }));
  const { entry: before } = await listedCustomer(1, customer);
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
  const { ex: afterEx, entry: after } = await listedCustomer(1, customer);
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
  // Orders naming what does not exist change nothing. They name a customer without orders, whom
  // no other test reads: one stored by mistake cannot cost another item.
  const idle = idleCustomer(r.int(0, 1e6));
  expectError(
    await place(1, { customer_id: idle, items: [{ product_id: SIZES.products + 1000, quantity: 1 }] }),
    [422],
    'an item names no product (R5)',
  );
  expectError(await place(0, { customer_id: 9_000_000, items }), [422], 'no such customer (R5)');
  expectBody(await ordersPage(0, idle), 'data', [], `customer ${idle} after refused orders only (R5)`);
});
