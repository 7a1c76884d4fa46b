import { setTimeout as sleep } from 'node:timers/promises';
import { control, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { DISTINCT } from './steps/data.ts';
import { expectedIds, expectSameIds, list, sql, walk } from './steps/products.ts';

/** README R17's 2 s, plus the margin it states. */
const BACK_MS = 2500;

rubricTest(
  rubric,
  'stable-under-changes',
  async () => {
    const r = seeded('stable-under-changes');
    const sort = r.pick(['created_at', 'price'] as const);
    const order = r.pick(['asc', 'desc'] as const);
    const before = await expectedIds(sort, order, DISTINCT);
    const [{ max }] = (await sql<{ max: string }>('SELECT max(id) AS max FROM products')) as [
      { max: string },
    ];
    let nextId = Number(max) + 1;
    const deleted = new Set<number>();
    const what = `category=${DISTINCT} sort=${sort} order=${order} limit=40, rows inserted and deleted between pages (every third page, the last row shown)`;
    const got = await walk({ category: DISTINCT, sort, order }, 40, what, {
      between: async (k, page) => {
        // Two new rows anywhere in the order, and two existing rows gone: one the walk has
        // passed, one still ahead of it.
        for (let i = 0; i < 2; i++) {
          const pos = r.int(0, before.length - 1);
          await sql(
            `INSERT INTO products SELECT $1::bigint, name || ' +' || $1::text, category, 50000000 + price_cents * 100 + $2::int,
               created_at + (500 + $2::int) * interval '1 millisecond', updated_at, internal_cost_cents
             FROM products WHERE id = $3::bigint`,
            [nextId++, k * 2 + i + 1, before[pos]],
          );
        }
        const passed = before[r.int(0, Math.min(before.length - 1, (k + 1) * 40 - 1))]!;
        const ahead = before[r.int(Math.min(before.length - 1, (k + 1) * 40 + 5), before.length - 1)]!;
        // Every third page, the row the cursor points at is gone before it is used: the next
        // page must still start right after where it was.
        const last = k % 3 === 1 ? page.at(-1) : undefined;
        for (const id of [passed, ahead, ...(last === undefined ? [] : [last])]) {
          if (deleted.has(id)) continue;
          deleted.add(id);
          await sql('DELETE FROM products WHERE id = $1', [id]);
        }
      },
    });
    // What must come exactly once, in order: the rows there from start to end.
    const kept = new Set(before.filter((id) => !deleted.has(id)));
    const seen = got.filter((id) => kept.has(id));
    const dup = got.find((id, i) => got.indexOf(id) !== i);
    if (dup !== undefined)
      throw new Error(`Expected: no row twice, walking ${what}\nGot:      id ${dup} came twice`);
    expectSameIds(
      seen,
      before.filter((id) => kept.has(id)),
      what,
    );
  },
  { timeout: 60_000 },
);

rubricTest(
  rubric,
  'cursors-across-instances',
  async () => {
    // A sort whose order no collation changes: this item judges the cursors, not the order.
    const what = `category=${DISTINCT} sort=price order=asc limit=40, pages fetched alternately from instances a and b`;
    const want = await expectedIds('price', 'asc', DISTINCT);
    expectSameIds(
      await walk({ category: DISTINCT, sort: 'price', order: 'asc' }, 40, what, { instance: (k) => k % 2 }),
      want,
      what,
    );
  },
  { timeout: 60_000 },
);

rubricTest(
  rubric,
  'db-reconnect',
  async () => {
    await control.fault('postgres', { mode: 'down' });
    // Requests while it is away: any error answer (not graded), so the pool notices.
    await Promise.all([list(0, { limit: 1 }), list(1, { limit: 1 })]);
    await sleep(500);
    await control.fault('postgres', { mode: 'up' });
    const deadline = Date.now() + BACK_MS;
    for (const i of [0, 1]) {
      for (;;) {
        const ex = await list(i, { limit: 3 }, {});
        if (ex.status === 200) break;
        if (Date.now() > deadline)
          fail(
            ex,
            `200 from instance ${'ab'[i]} within ${BACK_MS / 1000} s of the database coming back (R17: 2 s, and 0.5 s of margin)`,
          );
        await sleep(100);
      }
    }
  },
  { timeout: 30_000 },
);
