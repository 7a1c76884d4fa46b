import { api, type Exchange, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { SIZES } from './steps/data.ts';
import { customersOf, ordersOf, recordOrder, sql, topProducts } from './steps/oracle.ts';
import { expectPlaced, place } from './steps/placing.ts';
import { expectBody, ordinaryCustomer } from './steps/shop.ts';

/** Orders sent at once: half on each instance, for three customers, two products in either order. */
const AT_ONCE = 24;

// README R5: orders placed at the same moment are each placed once, with their own id, and all
// show at once. Numbering orders by hand (max(id) + 1) collides; a summary kept up to date by
// each item, in the order the items come, deadlocks when two orders name the same products the
// other way round.
rubricTest(rubric, 'orders-at-once', async () => {
  const r = seeded('orders-at-once');
  const customers = [0, 1, 2].map((k) => ordinaryCustomer(r.int(0, 1e6) + k));
  const [a, b] = [r.int(1, SIZES.products / 2), r.int(SIZES.products / 2 + 1, SIZES.products)];
  const sent = Array.from({ length: AT_ONCE }, (_, n) => {
    const lines = [
      { product_id: a, quantity: 1 + (n % 7) },
      { product_id: b, quantity: 1 + (n % 5) },
    ];
    return { customer: customers[n % 3]!, items: n % 2 ? lines : lines.reverse() };
  });
  const sentAt = Date.now();
  const answers: Exchange[] = await Promise.all(
    sent.map((o, n) => place(n % 2, { customer_id: o.customer, items: o.items })),
  );
  const ids = new Set<number>();
  for (const [n, ex] of answers.entries()) {
    const o = sent[n]!;
    const placed = await expectPlaced(ex, o.customer, o.items, sentAt);
    if (ids.has(placed.id))
      fail(ex, `order ${placed.id} placed once: another order sent at the same moment got the same id (R5)`);
    ids.add(placed.id);
    await recordOrder(placed);
  }
  // Every one of them, on either instance: the customers' pages and counts, and today's report.
  for (const [k, c] of customers.entries()) {
    expectBody(
      await api(k % 2).get(`/customers/${c}/orders`, { query: { limit: 50 } }),
      'data',
      await ordersOf(c, 50),
      `customer ${c}'s orders after ${AT_ONCE} orders placed at once (R1, R5)`,
    );
    const [{ country }] = (await sql<{ country: string }>('SELECT country FROM customers WHERE id = $1', [
      c,
    ])) as [{ country: string }];
    expectBody(
      await api((k + 1) % 2).get('/customers', { query: { country, after_id: c - 1, limit: 1 } }),
      'data',
      await customersOf(country, c - 1, 1),
      `customer ${c}'s order count after ${AT_ONCE} orders placed at once (R2, R5)`,
    );
  }
  const today = new Date().toISOString().slice(0, 10);
  expectBody(
    await api(0).get('/reports/top-products', { query: { from: today, to: today, limit: 100 } }),
    'data',
    await topProducts(today, today, 100),
    `today's report after ${AT_ONCE} orders placed at once (R3, R5)`,
  );
});
