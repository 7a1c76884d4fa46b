import { api, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { DAYS, day } from './steps/data.ts';
import { topProducts } from './steps/oracle.ts';
import { expectBody } from './steps/shop.ts';

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
});
