import { api, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { COUNTRIES } from './steps/data.ts';
import { customersOf } from './steps/oracle.ts';
import { expectBody } from './steps/shop.ts';

const list = (i: number, query: Record<string, string | number>) => api(i).get('/customers', { query });

rubricTest(rubric, 'customers-list', async () => {
  const r = seeded('customers-list');
  const country = r.pick(COUNTRIES);
  // The first page holds the heavy customers (ids 1–10) of this country, if any.
  let after = 0;
  for (const [n, limit] of [20, 1, 30, 7].entries()) {
    const ex = await list(n % 2, { country, limit, ...(after ? { after_id: after } : {}) });
    const want = await customersOf(country, after, limit);
    expectBody(ex, 'data', want, `customers of ${country} after id ${after}, ${limit} a page (R2)`);
    const next = (ex.json as { next_after_id: unknown }).next_after_id;
    if (next !== want.at(-1)!.id)
      fail(ex, `next_after_id ${want.at(-1)!.id}, the last id of a full page (R2)`);
    after = want.at(-1)!.id;
  }
  // The last page of a country: fewer than limit, next_after_id null.
  const tail = await customersOf(country, 99_990, 100);
  const last = await list(0, { country, after_id: 99_990, limit: 100 });
  expectBody(last, 'data', tail, `customers of ${country} after id 99990 (R2)`);
  if ((last.json as { next_after_id: unknown }).next_after_id !== null)
    fail(last, 'next_after_id null: the page is not full (R2)');
  expectBody(await list(1, { country: 'ZZ' }), 'data', [], 'a country without customers (R2)');
});
