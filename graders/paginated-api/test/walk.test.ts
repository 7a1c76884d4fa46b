import { rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { TIES } from './steps/data.ts';
import { expectedIds, expectSameIds, ORDERS, SORTS, walk } from './steps/products.ts';

// A page size that splits the category's runs of ties (each dozens of rows long) at odd places.
const LIMIT = 11;

rubricTest(
  rubric,
  'walk-every-sort',
  async () => {
    // All six walks at once; the first failure in a fixed order is reported, so a seed
    // reproduces the text.
    const walks = await Promise.allSettled(
      SORTS.flatMap((sort) =>
        ORDERS.map(async (order) => {
          const what = `category=${TIES} sort=${sort} order=${order} limit=${LIMIT}`;
          const want = await expectedIds(sort, order, TIES);
          expectSameIds(await walk({ category: TIES, sort, order }, LIMIT, what), want, what);
        }),
      ),
    );
    const failed = walks.find((w) => w.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  },
  { timeout: 60_000 },
);
