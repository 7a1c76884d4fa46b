import { api, type Exchange, expectError, expectStatus, fail } from '@bc/harness/kit';
import { HEAVY_CUSTOMERS, LAST_BUYER } from './data.ts';
import { type Order, ordersOf, sql } from './oracle.ts';

/** A customer who ordered, with only a handful of orders (never one of the heavy ones). */
export const ordinaryCustomer = (n: number): number =>
  HEAVY_CUSTOMERS + 1 + (n % (LAST_BUYER - HEAVY_CUSTOMERS));
/** A customer with ~10,000 orders. */
export const heavyCustomer = (n: number): number => 1 + (n % HEAVY_CUSTOMERS);
/** A customer who never ordered. */
export const idleCustomer = (n: number): number => LAST_BUYER + 1 + (n % 400);

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? 'nothing' : s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

/** Where `got` first differs from `want`, as a JSON path and both values; null when equal. */
export function firstDifference(got: unknown, want: unknown, path = '$'): string | null {
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return `${path}: expected an array, got ${show(got)}`;
    for (let i = 0; i < Math.min(got.length, want.length); i++) {
      const d = firstDifference(got[i], want[i], `${path}[${i}]`);
      if (d) return d;
    }
    if (got.length !== want.length)
      return `${path}: expected ${want.length} entries, got ${got.length}${got.length > want.length ? `; the first extra is ${show(got[want.length])}` : `; the first missing is ${show(want[got.length])}`}`;
    return null;
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got))
      return `${path}: expected an object, got ${show(got)}`;
    for (const k of Object.keys(want)) {
      if (!(k in got))
        return `${path}.${k}: missing (expected ${show((want as Record<string, unknown>)[k])})`;
      const d = firstDifference(
        (got as Record<string, unknown>)[k],
        (want as Record<string, unknown>)[k],
        `${path}.${k}`,
      );
      if (d) return d;
    }
    const extra = Object.keys(got).find((k) => !(k in want));
    return extra ? `${path}.${extra}: not in the README's shape` : null;
  }
  return Object.is(got, want) ? null : `${path}: expected ${show(want)}, got ${show(got)}`;
}

/** Fail unless `ex` is a 200 whose body's `key` equals `want`; `why` names the rule. */
export function expectBody(ex: Exchange, key: string, want: unknown, why: string): void {
  expectStatus(ex, [200], why);
  const body = ex.json as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') fail(ex, `a JSON object — ${why}`);
  const d = firstDifference(body[key], want, `$.${key}`);
  if (d) fail(ex, `the README's answer — ${why}`, d);
}

/** Fail unless `ex` is a 400 with the error JSON. */
export const expect400 = (ex: Exchange, why: string): void => expectError(ex, [400], why);

/** A page of a customer's orders (R1). */
export const ordersPage = (
  i: number,
  customer: number | string,
  query: Record<string, string | number> = {},
) => api(i).get(`/customers/${customer}/orders`, { query });

export interface OrdersPage {
  data: Order[];
  next_cursor: string | null;
}

/**
 * Walks every page of a customer's orders, `limit` at a time, alternating instances, and checks
 * each page against the grader's own answer for it (R1). Returns the number of pages.
 */
export async function walkOrders(customer: number, limit: number, why: string): Promise<number> {
  const want = await ordersOf(customer);
  let cursor: string | null = null;
  for (let n = 0; ; n++) {
    const ex = await ordersPage(n % 2, customer, { limit, ...(cursor ? { cursor } : {}) });
    const slice = want.slice(n * limit, (n + 1) * limit);
    expectBody(
      ex,
      'data',
      slice,
      `page ${n + 1} of customer ${customer}'s ${want.length} orders, ${limit} a page (${why})`,
    );
    const next = (ex.json as OrdersPage).next_cursor;
    const more = want.length > (n + 1) * limit;
    if (more && typeof next !== 'string')
      fail(ex, `a next_cursor string: ${want.length - (n + 1) * limit} more orders follow (${why})`);
    if (!more) {
      if (next !== null) fail(ex, `next_cursor null: no order follows (${why})`);
      return n + 1;
    }
    cursor = next;
  }
}

/** A customer's entry in their country's listing (R2). */
export interface ListedCustomer {
  id?: number;
  order_count?: number;
  last_order_at?: string | null;
}

/** `customer`'s entry in their country's listing, as instance `i` answers it; fails unless it is there. */
export async function listedCustomer(
  i: number,
  customer: number,
): Promise<{ ex: Exchange; entry: ListedCustomer }> {
  const [row] = await sql<{ country: string }>('SELECT country FROM customers WHERE id = $1', [customer]);
  const country = row!.country;
  const ex = await api(i).get('/customers', { query: { country, after_id: customer - 1, limit: 1 } });
  expectStatus(ex, [200], `customer ${customer} in the ${country} listing (R2)`);
  const entry = (ex.json as { data?: ListedCustomer[] })?.data?.[0];
  if (entry?.id !== customer)
    fail(ex, `customer ${customer} first in the ${country} listing after id ${customer - 1} (R2)`);
  return { ex, entry };
}
