import { api, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { DAYS, day } from './steps/data.ts';
import { topProducts } from './steps/oracle.ts';
import { expect400, expectBody } from './steps/shop.ts';

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
  for (const [from, to, why] of [
    [day(start + 1), day(start), 'from after to'],
    [day(start), day(start + 31), '32 days'],
    ['2025-02-30', '2025-03-01', 'no such date'],
    ['2025-3-1', '2025-03-02', 'not YYYY-MM-DD'],
    ['', day(start), 'an empty from'],
  ] as const)
    expect400(await report(0, { from, to }), `${why}: from=${from}&to=${to} (R3, R9)`);
  expect400(await report(1, { from: day(start), to: day(start), limit: 101 }), 'limit=101 (R3, R9)');
});
