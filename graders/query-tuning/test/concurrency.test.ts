import { api, type Exchange, expectStatus, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { SIZES } from './steps/data.ts';
import { type Order, recordOrder } from './steps/oracle.ts';
import { expectPlaced, place } from './steps/placing.ts';
import { firstDifference, type ListedCustomer, listedCustomer, ordinaryCustomer } from './steps/shop.ts';

/** Orders sent at once: half on each instance, for three customers, two products in either order. */
const AT_ONCE = 24;

type Row = { product_id?: number; units?: number; revenue_cents?: number };

// README R5: orders placed at the same moment are each placed once, with their own id, and all
// show at once. Numbering orders by hand (max(id) + 1) collides; a summary kept up to date by
// each item, in the order the items come, deadlocks when two orders name the same products the
// other way round. Only what these orders change is compared, as differences from before them:
// a bug of another rule (a count that skips cancelled orders, an order another item's input
// should have refused) costs that rule's item, not this one.
rubricTest(rubric, 'orders-at-once', async () => {
  const r = seeded('orders-at-once');
  const customers = [0, 1, 2].map((k) => ordinaryCustomer(r.int(0, 1e6) + k));
  // Product 1 is the one the input checks send: a wrongly accepted order names it.
  const [a, b] = [r.int(2, SIZES.products / 2), r.int(SIZES.products / 2 + 1, SIZES.products)];
  // The days up to today: no seeded order is this recent, so each range holds today's orders
  // only. Before and after ask different ranges: a report the service kept from earlier (a
  // stale cache, writes-show-at-once's to judge) cannot answer the one after.
  const since = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
  const today = since(0);
  const sales = async (days: number): Promise<[Exchange, Map<number, Row>]> => {
    const ex = await api(0).get('/reports/top-products', {
      query: { from: since(days), to: today, limit: 100 },
    });
    expectStatus(ex, [200], "the report of the last days, today's orders only (R3)");
    const rows = (ex.json as { data?: Row[] })?.data ?? [];
    return [ex, new Map(rows.map((row) => [row.product_id ?? 0, row]))];
  };
  const before = new Map<number, ListedCustomer>();
  for (const [k, c] of customers.entries()) before.set(c, (await listedCustomer(k % 2, c)).entry);
  const [, soldBefore] = await sales(2);

  const sent = Array.from({ length: AT_ONCE }, (_, n) => {
    const lines = [
      { product_id: a, quantity: 1 + (n % 7) },
      { product_id: b, quantity: 1 + (n % 5) },
    ];
    return { customer: customers[n % 3]!, items: n % 2 ? lines : lines.reverse() };
  });
  const sentAt = Date.now();
  const answers = await Promise.all(
    sent.map((o, n) => place(n % 2, { customer_id: o.customer, items: o.items })),
  );
  const placed: Order[] = [];
  for (const [n, ex] of answers.entries()) {
    const o = await expectPlaced(ex, sent[n]!.customer, sent[n]!.items, sentAt);
    if (placed.some((p) => p.id === o.id))
      fail(ex, `order ${o.id} placed once: another order sent at the same moment got the same id (R5)`);
    placed.push(o);
    await recordOrder(o);
  }

  // Every one of them, on either instance: in its customer's orders, count and last order time.
  for (const [k, c] of customers.entries()) {
    const theirs = placed.filter((o) => o.customer_id === c);
    const page = await api(k % 2).get(`/customers/${c}/orders`, { query: { limit: 50 } });
    expectStatus(page, [200], `customer ${c}'s orders (R1)`);
    const shown = (page.json as { data?: Order[] })?.data ?? [];
    for (const o of theirs) {
      const d = firstDifference(
        shown.find((s) => s?.id === o.id),
        o,
      );
      if (d)
        fail(
          page,
          `order ${o.id}, placed with ${theirs.length - 1} others for this customer at once, as answered (R5)`,
          d,
        );
    }
    const { ex, entry: after } = await listedCustomer((k + 1) % 2, c);
    const last = theirs
      .map((o) => o.created_at)
      .sort()
      .at(-1)!;
    const was = before.get(c)!;
    if (after.order_count !== Number(was.order_count) + theirs.length || (after.last_order_at ?? '') < last)
      fail(
        ex,
        `order_count ${theirs.length} more than before (${was.order_count}) and last_order_at at least ${last}, after ${AT_ONCE} orders placed at once (R5)`,
      );
  }
  // And in today's report: each product's units and revenue grew by exactly these orders'.
  const [ex, soldAfter] = await sales(3);
  for (const p of [a, b]) {
    const lines = placed.flatMap((o) => o.items.filter((i) => i.product_id === p));
    const units = lines.reduce((t, i) => t + i.quantity, 0);
    const revenue = lines.reduce((t, i) => t + i.line_total_cents, 0);
    const was = soldBefore.get(p) ?? { units: 0, revenue_cents: 0 };
    const now = soldAfter.get(p);
    if (
      now?.units !== Number(was.units) + units ||
      now?.revenue_cents !== Number(was.revenue_cents) + revenue
    )
      fail(
        ex,
        `product ${p} in today's report with ${units} more units and ${revenue} more revenue_cents than before (${was.units}, ${was.revenue_cents}), after ${AT_ONCE} orders placed at once (R3, R5)`,
      );
  }
});
