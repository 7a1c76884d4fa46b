import { api, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { DAYS, day, SIZES } from './steps/data.ts';
import { recordOrder, sql, topProducts } from './steps/oracle.ts';
import { expectPlaced, place } from './steps/placing.ts';
import { expectBody, ordinaryCustomer } from './steps/shop.ts';

const report = (i: number, query: Record<string, string | number>) =>
  api(i).get('/reports/top-products', { query });

rubricTest(rubric, 'report-top-products', async () => {
  const r = seeded('report');
  const start = r.int(10, DAYS - 40);
  const ranges: [string, string, number | undefined][] = [
    [day(start), day(start), undefined], // one day, default limit 10
    [day(start), day(start + 2), 25],
    [day(start), day(start + 30), 3], // 31 days, the longest range
    [day(-40), day(-10), 10], // before the first order: empty
    [day(-1), day(0), 100], // the first day, from the day before
  ];
  for (const [n, [from, to, limit]] of ranges.entries()) {
    const ex = await report(n % 2, { from, to, ...(limit ? { limit } : {}) });
    expectBody(
      ex,
      'data',
      await topProducts(from, to, limit ?? 10),
      `top products from ${from} to ${to}${limit ? `, limit ${limit}` : ''} (R3)`,
    );
  }
  // A tie the seeded days may lack: two products of one price, not sold today, ordered together
  // 60 times each today, make the same revenue; the lower product id comes first.
  const today = new Date().toISOString().slice(0, 10);
  const soldToday = new Set((await topProducts(today, today, 100)).map((row) => row.product_id));
  const pairs = await sql<{ a: string; b: string }>(
    `SELECT min(id) AS a, max(id) AS b FROM products WHERE id > $1
     GROUP BY price_cents HAVING count(*) = 2 ORDER BY min(id) LIMIT 50`,
    [r.int(2, SIZES.products / 2)],
  );
  const pair = pairs
    .map(({ a, b }) => [Number(a), Number(b)] as const)
    .find(([a, b]) => !soldToday.has(a) && !soldToday.has(b))!;
  const customer = ordinaryCustomer(r.int(0, 1e6));
  // The higher id first: a report that ranks ties as they were stored gets them the wrong way round.
  const items = [pair[1], pair[0]].map((product_id) => ({ product_id, quantity: 60 }));
  const sentAt = Date.now();
  await recordOrder(
    await expectPlaced(await place(1, { customer_id: customer, items }), customer, items, sentAt),
  );
  expectBody(
    await report(0, { from: today, to: today, limit: 100 }),
    'data',
    await topProducts(today, today, 100),
    `top products today, after an order of products ${pair[1]} and ${pair[0]} of the same price, 60 of each: a tie, product ${pair[0]} first (R3)`,
  );
});
