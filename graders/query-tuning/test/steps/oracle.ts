import { grading } from '@bc/harness/kit';
import pg from 'pg';
import { GRADER_DB, withDatabase } from './oracle-db.ts';

/** An order as the README shows it (R1). */
export interface Order {
  id: number;
  customer_id: number;
  status: string;
  created_at: string;
  total_cents: number;
  items: {
    line_no: number;
    product_id: number;
    product_name: string;
    quantity: number;
    unit_price_cents: number;
    line_total_cents: number;
  }[];
}

let client: Promise<pg.Client> | undefined;

/**
 * The grader's own copy of the shop (prepare made it before the candidate started), as its
 * administrator. Only grader-owned tables are read or written here: nothing of the candidate's
 * ever runs with these rights.
 */
function grader(): Promise<pg.Client> {
  client ??= (async () => {
    const c = new pg.Client({ connectionString: withDatabase(grading().admin!.postgres!, GRADER_DB) });
    await c.connect();
    await c.query('SET search_path = pg_catalog, public');
    return c;
  })();
  return client;
}

export async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await (await grader()).query<T>(text, params)).rows;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** A customer's orders, newest first (R1): `limit` of them after skipping `offset`. */
export async function ordersOf(customerId: number, limit = 100_000, offset = 0): Promise<Order[]> {
  const rows = await sql<{
    id: string;
    customer_id: string;
    status: string;
    created_at: Date;
    items: Order['items'] | null;
  }>(
    `SELECT o.id, o.customer_id, o.status, o.created_at,
       (SELECT json_agg(json_build_object(
           'line_no', i.line_no, 'product_id', i.product_id, 'product_name', p.name,
           'quantity', i.quantity, 'unit_price_cents', i.unit_price_cents,
           'line_total_cents', i.quantity * i.unit_price_cents) ORDER BY i.line_no)
        FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.order_id = o.id) AS items
     FROM orders o WHERE o.customer_id = $1
     ORDER BY o.created_at DESC, o.id DESC LIMIT $2 OFFSET $3`,
    [customerId, limit, offset],
  );
  return rows.map((r) => {
    const items = r.items ?? [];
    return {
      id: Number(r.id),
      customer_id: Number(r.customer_id),
      status: r.status,
      created_at: iso(r.created_at)!,
      total_cents: items.reduce((t, i) => t + i.line_total_cents, 0),
      items,
    };
  });
}

/** A country's customers after `afterId`, with their order counts (R2). */
export async function customersOf(country: string, afterId: number, limit: number) {
  const rows = await sql<{
    id: string;
    name: string;
    email: string;
    order_count: number;
    last_order_at: Date | null;
  }>(
    `SELECT c.id, c.name, c.email, count(o.id)::int AS order_count, max(o.created_at) AS last_order_at
     FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
     WHERE c.country = $1 AND c.id > $2
     GROUP BY c.id ORDER BY c.id LIMIT $3`,
    [country, afterId, limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), last_order_at: iso(r.last_order_at) }));
}

/** Top products by revenue over the UTC days `from`–`to`, both included (R3). */
export async function topProducts(from: string, to: string, limit: number) {
  const rows = await sql<{ product_id: string; name: string; units: string; revenue_cents: string }>(
    `SELECT i.product_id, p.name, sum(i.quantity) AS units, sum(i.quantity::bigint * i.unit_price_cents) AS revenue_cents
     FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id
     WHERE o.created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
       AND o.created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
       AND o.status <> 'cancelled'
     GROUP BY i.product_id, p.name
     ORDER BY revenue_cents DESC, i.product_id LIMIT $3`,
    [from, to, limit],
  );
  return rows.map((r) => ({
    product_id: Number(r.product_id),
    name: r.name,
    units: Number(r.units),
    revenue_cents: Number(r.revenue_cents),
  }));
}

/** Lower-cases A–Z only, as the README's search does (R4). */
export const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Products whose lower-cased name starts with the lower-cased `q` (R4). */
export async function searchOf(q: string, limit: number) {
  const rows = await sql<{ id: string; name: string; price_cents: number }>(
    `SELECT id, name, price_cents FROM products
     WHERE left(lower(name), length($1)) = $1
     ORDER BY lower(name) COLLATE "C", id LIMIT $2`,
    [asciiLower(q), limit],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** A product's name and current price. */
export async function product(id: number): Promise<{ name: string; price_cents: number } | undefined> {
  return (
    await sql<{ name: string; price_cents: number }>('SELECT name, price_cents FROM products WHERE id = $1', [
      id,
    ])
  )[0];
}

/** Copies an order the service placed into the grader's shop, so later answers include it. */
export async function recordOrder(o: Order): Promise<void> {
  await sql(`INSERT INTO orders (id, customer_id, status, created_at) VALUES ($1, $2, $3, $4)`, [
    o.id,
    o.customer_id,
    o.status,
    o.created_at,
  ]);
  for (const i of o.items)
    await sql('INSERT INTO order_items VALUES ($1, $2, $3, $4, $5)', [
      o.id,
      i.line_no,
      i.product_id,
      i.quantity,
      i.unit_price_cents,
    ]);
}
