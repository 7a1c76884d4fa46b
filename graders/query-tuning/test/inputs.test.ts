import { api, type Exchange, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { COUNTRIES, DAYS, day } from './steps/data.ts';
import { place } from './steps/placing.ts';
import { expect400, expectBody, idleCustomer, ordersPage, ordinaryCustomer } from './steps/shop.ts';

const get = (i: number, path: string, query: Record<string, string | number>): Promise<Exchange> =>
  api(i).get(path, { query });

// README R9: anything out of its range is 400 with the error JSON, never 500, on every endpoint,
// and a refused order stores nothing. Each bound is sent just past its edge.
rubricTest(rubric, 'inputs-refused', async () => {
  const r = seeded('inputs-refused');
  const who = ordinaryCustomer(r.int(0, 1e6));
  for (const limit of ['0', '51', '-1', '2.5', 'ten', ''])
    expect400(await ordersPage(0, who, { limit }), `limit=${limit}: an integer from 1 to 50 (R1, R9)`);
  for (const cursor of ['x', '%%%', 'eyJ0cnVuY2F0ZWQ'])
    expect400(await ordersPage(1, who, { cursor }), `a malformed cursor, ${cursor} (R9)`);

  const country = r.pick(COUNTRIES);
  const customers: Record<string, string | number>[] = [
    { country: 'de' },
    { country: 'DEU' },
    {},
    { country, limit: 101 },
    { country, limit: 0 },
    { country, after_id: -1 },
    { country, after_id: 'one' },
  ];
  for (const q of customers) expect400(await get(0, '/customers', q), `${JSON.stringify(q)} (R2, R9)`);

  const start = r.int(10, DAYS - 40);
  for (const [from, to, why] of [
    [day(start + 1), day(start), 'from after to'],
    [day(start), day(start + 31), '32 days'],
    ['2025-02-30', '2025-03-01', 'no such date'],
    ['2025-3-1', '2025-03-02', 'not YYYY-MM-DD'],
    ['', day(start), 'an empty from'],
  ] as const)
    expect400(await get(1, '/reports/top-products', { from, to }), `${why}: from=${from}&to=${to} (R3, R9)`);
  expect400(
    await get(0, '/reports/top-products', { from: day(start), to: day(start), limit: 101 }),
    'limit=101 (R3, R9)',
  );

  const searches: Record<string, string | number>[] = [
    {},
    { q: '' },
    { q: 'x'.repeat(51) },
    { q: 'a', limit: 101 },
    { q: 'a', limit: 0 },
  ];
  for (const q of searches)
    expect400(await get(1, '/products/search', q), `${JSON.stringify(q).slice(0, 80)} (R4, R9)`);

  // Refused orders name a customer without orders, whom no other test reads: one stored by
  // mistake shows on their page and cannot cost another item.
  const idle = idleCustomer(r.int(0, 1e6));
  const one = (quantity: number) => ({ customer_id: idle, items: [{ product_id: 1, quantity }] });
  const orders: [string, unknown][] = [
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
    ['a customer id as a string', { customer_id: String(idle), items: [{ product_id: 1, quantity: 1 }] }],
  ];
  for (const [why, body] of orders) expect400(await place(0, body), `${why} (R5, R9)`);
  expectBody(await ordersPage(1, idle), 'data', [], `customer ${idle} after refused orders only (R5, R9)`);
});
