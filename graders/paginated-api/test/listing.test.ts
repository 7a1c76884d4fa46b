import { api, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { DISTINCT } from './steps/data.ts';
import { expectedIds, expectItem, expectPage, ITEM_FIELDS, LIST, list, sql } from './steps/products.ts';

const concurrent = { concurrent: true, timeout: 30_000 };

rubricTest(
  rubric,
  'list-first-page',
  async () => {
    const ex = await list(0);
    const p = expectPage(ex, 20, 'the list without parameters');
    if (p.data.length !== 20 || !p.page.hasMore)
      fail(ex, '20 items and hasMore true on the first of many pages');
    for (const item of p.data) expectItem(ex, item, 'the list without parameters');
    const want = (await expectedIds('created_at', 'desc')).slice(0, 20);
    const got = p.data.map((d) => d.id as number);
    if (JSON.stringify(got) !== JSON.stringify(want))
      fail(ex, `the 20 newest rows, by created_at desc then id desc: ${want.join(', ')}`);
    const [row] = await sql<{
      name: string;
      category: string;
      price_cents: number;
      created_at: Date;
      updated_at: Date;
    }>('SELECT name, category, price_cents, created_at, updated_at FROM products WHERE id = $1', [want[0]]);
    const first = p.data[0]!;
    const same =
      first.name === row!.name &&
      first.category === row!.category &&
      first.priceCents === row!.price_cents &&
      Date.parse(first.createdAt as string) === row!.created_at.getTime() &&
      Date.parse(first.updatedAt as string) === row!.updated_at.getTime();
    if (!same)
      fail(
        ex,
        `the first item to hold row ${want[0]}'s values: ${JSON.stringify({ name: row!.name, category: row!.category, priceCents: row!.price_cents, createdAt: row!.created_at.toISOString(), updatedAt: row!.updated_at.toISOString() })}`,
      );
  },
  concurrent,
);

rubricTest(
  rubric,
  'limit-rules',
  async () => {
    for (const limit of ['0', '101', '-1', '2.5', 'ten', '', '1e2'])
      if ((await list(0, { limit })).status !== 400) fail(await list(0, { limit }), `400 for limit=${limit}`);
    for (const limit of [1, 37, 100]) {
      const ex = await list(1, { limit });
      const p = expectPage(ex, limit, `limit=${limit}`);
      if (p.data.length !== limit)
        fail(ex, `exactly ${limit} items for limit=${limit} (the table holds far more)`);
    }
  },
  concurrent,
);

rubricTest(
  rubric,
  'category-filter',
  async () => {
    const r = seeded('category-filter');
    const [{ category }] = (await sql<{ category: string }>(
      "SELECT category FROM products WHERE category NOT IN ('ties', 'distinct') GROUP BY category ORDER BY category OFFSET $1 LIMIT 1",
      [r.int(0, 5)],
    )) as [{ category: string }];
    const ex = await list(0, { category, limit: 100 });
    const p = expectPage(ex, 100, `category=${category}`);
    const want = (await expectedIds('created_at', 'desc', category)).slice(0, 100);
    const got = p.data.map((d) => d.id as number);
    if (JSON.stringify(got) !== JSON.stringify(want))
      fail(ex, `the 100 newest rows of category "${category}" only (exact, case-sensitive match)`);
    const unknown = `${DISTINCT}-${r.word(6)}`;
    const empty = await list(1, { category: unknown });
    const e = expectPage(empty, 20, `an unknown category "${unknown}"`);
    if (e.data.length !== 0 || e.page.hasMore)
      fail(empty, `an empty last page for unknown category "${unknown}"`);
  },
  concurrent,
);

rubricTest(
  rubric,
  'fields-selection',
  async () => {
    const r = seeded('fields-selection');
    const pick = ITEM_FIELDS.filter((f) => f !== 'id' && r.next() < 0.5);
    const fields = (pick.length ? pick : ['name']).join(',');
    const ex = await list(0, { fields, limit: 5 });
    const p = expectPage(ex, 5, `fields=${fields}`);
    for (const item of p.data) expectItem(ex, item, `fields=${fields}`, fields.split(','));
    const withId = await list(1, { fields: 'id,priceCents', limit: 3 });
    for (const item of expectPage(withId, 3, 'fields=id,priceCents').data)
      expectItem(withId, item, 'fields=id,priceCents', ['priceCents']);
    for (const bad of ['name,colour', 'name,,category', 'Name', 'price_cents'])
      if ((await list(0, { fields: bad })).status !== 400)
        fail(await list(0, { fields: bad }), `400 for fields=${bad}`);
  },
  concurrent,
);

rubricTest(
  rubric,
  'get-by-id',
  async () => {
    const r = seeded('get-by-id');
    const [row] = await sql<{ id: string; name: string; price_cents: number }>(
      'SELECT id, name, price_cents FROM products ORDER BY id OFFSET $1 LIMIT 1',
      [r.int(0, 150_000)],
    );
    const ex = await api(1).get(`${LIST}/${row!.id}`);
    if (ex.status !== 200) fail(ex, `200 with product ${row!.id}`);
    const item = ex.json as Record<string, unknown>;
    expectItem(ex, item, `product ${row!.id}`);
    if (item.id !== Number(row!.id) || item.name !== row!.name || item.priceCents !== row!.price_cents)
      fail(ex, `product ${row!.id}: name "${row!.name}", priceCents ${row!.price_cents}`);
    const missing = await api(0).get(`${LIST}/${Number(row!.id) * 1000 + 3}`);
    if (missing.status !== 404) fail(missing, '404 for an id no row has');
    for (const bad of ['abc', '-5', '0', '1.5'])
      if (![400, 404].includes((await api(0).get(`${LIST}/${bad}`)).status))
        fail(await api(0).get(`${LIST}/${bad}`), `400 or 404 for id "${bad}"`);
  },
  concurrent,
);
