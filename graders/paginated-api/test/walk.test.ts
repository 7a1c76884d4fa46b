import { rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { TIES } from './steps/data.ts';
import { expectedIds, expectSameIds, ORDERS, SORTS, sql, walk } from './steps/products.ts';

// A page size that splits the category's runs of ties (each dozens of rows long) at odd places.
const LIMIT = 11;
/** A category the grader fills with exactly three pages of rows, so the last page is full (R4). */
const EXACT = 'exact-pages';

rubricTest(
  rubric,
  'walk-every-sort',
  async () => {
    const r = seeded('walk-every-sort');
    const exactLimit = r.int(7, 25);
    const exactSort = r.pick(SORTS);
    const exactOrder = r.pick(ORDERS);
    // Rows like the ties category's, under new ids, in a category of their own.
    await sql(
      `INSERT INTO products
       SELECT (SELECT max(id) FROM products) + row_number() OVER (ORDER BY id), name, $1, price_cents, created_at, updated_at, internal_cost_cents
       FROM (SELECT * FROM products WHERE category = $2 ORDER BY id LIMIT $3) s`,
      [EXACT, TIES, 3 * exactLimit],
    );
    const walks: [Record<string, string>, number][] = [
      ...SORTS.flatMap((sort) =>
        ORDERS.map((order): [Record<string, string>, number] => [{ category: TIES, sort, order }, LIMIT]),
      ),
      [{ category: EXACT, sort: exactSort, order: exactOrder }, exactLimit],
    ];
    // All seven walks at once; the first failure in a fixed order is reported, so a seed
    // reproduces the text.
    const results = await Promise.allSettled(
      walks.map(async ([query, limit]) => {
        const what = `category=${query.category} sort=${query.sort} order=${query.order} limit=${limit}${query.category === EXACT ? ` (${3 * limit} rows: three full pages)` : ''}`;
        const want = await expectedIds(
          query.sort as (typeof SORTS)[number],
          query.order as (typeof ORDERS)[number],
          query.category,
        );
        expectSameIds(await walk(query, limit, what), want, what);
      }),
    );
    const failed = results.find((w) => w.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  },
  { timeout: 60_000 },
);
