import { api, type Exchange, fail, grading } from '@bc/harness/kit';
import pg from 'pg';

export const LIST = '/api/v1/products';
export const ITEM_FIELDS = ['id', 'name', 'category', 'priceCents', 'createdAt', 'updatedAt'] as const;
export type Sort = 'created_at' | 'price' | 'name';
export type Order = 'asc' | 'desc';
export const SORTS: Sort[] = ['created_at', 'price', 'name'];
export const ORDERS: Order[] = ['asc', 'desc'];

/** One page as R4 describes it. */
export interface Page {
  data: Record<string, unknown>[];
  page: { nextCursor: string | null; hasMore: boolean };
}

/** SQL on the run's database, as the grader (through the same proxy as the service). */
export async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: grading().env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

const SORT_SQL: Record<Sort, string> = {
  created_at: 'created_at',
  price: 'price_cents',
  name: 'name COLLATE "C"',
};

/** The ids R2 orders, from the database itself. */
export async function expectedIds(sort: Sort, order: Order, category?: string): Promise<number[]> {
  const dir = order === 'desc' ? 'DESC' : 'ASC';
  const rows = await sql<{ id: string }>(
    `SELECT id FROM products ${category === undefined ? '' : 'WHERE category = $1'} ORDER BY ${SORT_SQL[sort]} ${dir}, id ${dir}`,
    category === undefined ? [] : [category],
  );
  return rows.map((r) => Number(r.id));
}

/** GET the list on instance `i`. */
export const list = (
  i: number,
  query: Record<string, string | number> = {},
  headers: Record<string, string> = {},
) => api(i).get(LIST, { query, headers });

/** Fail unless `ex` is a 200 page of R4's shape, with at most `limit` items; returns it. */
export function expectPage(ex: Exchange, limit: number, what: string): Page {
  if (ex.status !== 200) fail(ex, `200 with a page for ${what}`);
  const b = ex.json as Partial<Page> | undefined;
  if (!b || !Array.isArray(b.data) || typeof b.page !== 'object' || b.page === null)
    fail(ex, `{"data": [...], "page": {"nextCursor", "hasMore"}} for ${what}`);
  const { nextCursor, hasMore } = b.page;
  if (typeof hasMore !== 'boolean') fail(ex, `page.hasMore true or false for ${what}`);
  if (hasMore ? typeof nextCursor !== 'string' || nextCursor === '' : nextCursor !== null)
    fail(ex, `page.nextCursor a string exactly when page.hasMore is true (null otherwise) for ${what}`);
  if (b.data.length > limit) fail(ex, `at most ${limit} items for ${what}`);
  const link = ex.headers.link ?? '';
  const hasNextLink = /rel="?next"?/.test(link);
  if (hasMore !== hasNextLink)
    fail(ex, `a Link header with rel="next" exactly when there is a next page, for ${what}`);
  return b as Page;
}

/** The URL of a Link rel="next" header, relative to the service. */
export function nextLink(ex: Exchange): string | null {
  const m = (ex.headers.link ?? '').match(/<([^>]+)>\s*;\s*rel="?next"?/);
  if (!m) return null;
  const u = new URL(m[1]!, 'http://service.invalid');
  return u.pathname + u.search;
}

/** Fail unless `item` has exactly R1's fields (or `fields` and id) with R1's types. */
export function expectItem(
  ex: Exchange,
  item: Record<string, unknown>,
  what: string,
  fields = ITEM_FIELDS as readonly string[],
) {
  const want = [...new Set(['id', ...fields])].sort();
  const got = Object.keys(item).sort();
  if (JSON.stringify(got) !== JSON.stringify(want))
    fail(
      ex,
      `items with exactly the fields ${want.join(', ')} for ${what}`,
      `One item had: ${got.join(', ')}.`,
    );
  if (typeof item.id !== 'number') fail(ex, `"id" a JSON number for ${what}`);
  if ('priceCents' in item && typeof item.priceCents !== 'number')
    fail(ex, `"priceCents" a JSON number for ${what}`);
  for (const f of ['createdAt', 'updatedAt'])
    if (f in item && (typeof item[f] !== 'string' || Number.isNaN(Date.parse(item[f] as string))))
      fail(ex, `"${f}" an ISO 8601 string for ${what}`);
}

/**
 * Follow nextCursor from the first page of `query` to the last, on `instance(k)` for page k, and
 * return every id in order. `between` runs between page fetches (the grader changing rows).
 */
export async function walk(
  query: Record<string, string | number>,
  limit: number,
  what: string,
  opts: {
    instance?: (k: number) => number;
    /** Runs after page k (its ids given) and before the next. */
    between?: (k: number, page: number[]) => Promise<void>;
    maxPages?: number;
  } = {},
): Promise<number[]> {
  let previous: Exchange | undefined;
  const seen = new Set<number>();
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let k = 0; ; k++) {
    if (k > (opts.maxPages ?? 5000)) throw new Error(`more than ${opts.maxPages ?? 5000} pages for ${what}`);
    const ex = await list(opts.instance?.(k) ?? 0, { ...query, limit, ...(cursor ? { cursor } : {}) });
    const p = expectPage(ex, limit, `page ${k + 1} of ${what}`);
    for (const item of p.data) {
      const id = item.id as number;
      // Rows inserted mid-walk may legitimately come again; otherwise a repeat is a lost place.
      if (!opts.between && seen.has(id))
        fail(
          ex,
          `every row once, walking ${what}: id ${id} came again on page ${k + 1}, after an earlier page`,
        );
      seen.add(id);
      ids.push(id);
    }
    if (p.page.hasMore && p.data.length === 0) fail(ex, `items on a page that says more follow (${what})`);
    // Nothing changed since the page before said more rows follow: they must be here (R4). With
    // rows deleted between pages, an empty page may be right.
    if (k > 0 && p.data.length === 0 && !opts.between)
      fail(
        previous!,
        `page.hasMore false on page ${k} of ${what}: no rows follow it (page ${k + 1} was empty), even when the rows fill its last page exactly`,
      );
    if (!p.page.hasMore) return ids;
    cursor = p.page.nextCursor;
    previous = ex;
    await opts.between?.(
      k,
      p.data.map((d) => d.id as number),
    );
  }
}

/** Compare a walk with the expected ids; fail with the first difference. */
export function expectSameIds(got: number[], want: number[], what: string): void {
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) {
    if (got[i] !== want[i]) {
      const dup = got.find((x, k) => got.indexOf(x) !== k);
      throw new Error(
        [
          `Expected: every row exactly once, in order, walking ${what}`,
          `Got:      ${got.length} ids for ${want.length} rows; the first difference is at position ${i + 1}: id ${got[i] ?? '(none)'} where id ${want[i] ?? '(none)'} belongs`,
          dup !== undefined ? `          id ${dup} came twice` : `          no id came twice`,
        ].join('\n'),
      );
    }
  }
}
