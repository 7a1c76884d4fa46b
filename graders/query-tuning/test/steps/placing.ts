import { api, type Exchange, fail } from '@bc/harness/kit';
import { SIZES } from './data.ts';
import { type Order, product } from './oracle.ts';
import { firstDifference } from './shop.ts';

/** POST /orders on instance `i`. */
export const place = (i: number, body: unknown): Promise<Exchange> => api(i).post('/orders', body);

/** Checks a placed order against what was sent and the prices of the moment; returns it. */
export async function expectPlaced(
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
