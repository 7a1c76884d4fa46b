import type pg from 'pg';
import type { Order, OrderKey, Shop } from './app.js';

interface ItemRow {
  order_id: string;
  line_no: number;
  product_id: string;
  product_name: string;
  quantity: number;
  unit_price_cents: number;
}
interface OrderRow {
  id: string;
  customer_id: string;
  status: string;
  created_at: Date;
  k: string;
}

/** `%`, `_` and the escape character itself match literally in a LIKE prefix. */
const likePrefix = (s: string): string => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function assemble(orders: OrderRow[], items: ItemRow[]): { order: Order; key: OrderKey }[] {
  const byOrder = new Map<string, Order['items']>();
  for (const it of items) {
    const list = byOrder.get(it.order_id) ?? [];
    list.push({
      line_no: it.line_no,
      product_id: Number(it.product_id),
      product_name: it.product_name,
      quantity: it.quantity,
      unit_price_cents: it.unit_price_cents,
      line_total_cents: it.quantity * it.unit_price_cents,
    });
    byOrder.set(it.order_id, list);
  }
  return orders.map((o) => {
    const lines = byOrder.get(o.id) ?? [];
    return {
      order: {
        id: Number(o.id),
        customer_id: Number(o.customer_id),
        status: o.status,
        created_at: o.created_at.toISOString(),
        total_cents: lines.reduce((t, l) => t + l.line_total_cents, 0),
        items: lines,
      },
      key: { at: o.k, id: Number(o.id) },
    };
  });
}

// Items of a page of orders, with their product names, in one statement.
const ITEMS = `SELECT oi.order_id, oi.line_no, oi.product_id, p.name AS product_name, oi.quantity, oi.unit_price_cents
  FROM order_items oi JOIN products p ON p.id = oi.product_id
  WHERE oi.order_id = ANY($1::bigint[]) ORDER BY oi.order_id, oi.line_no`;

/**
 * The tuned queries: a page of orders is two statements (orders, then all their items with
 * names), every aggregate runs in the database, and each WHERE and ORDER BY has an index
 * (migrate.ts) that serves it.
 */
export function tunedShop(pool: pg.Pool): Shop {
  return {
    async customerOrders(customerId, limit, after) {
      const cols =
        "id, customer_id, status, created_at, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS k";
      const { rows } = after
        ? await pool.query<OrderRow>(
            `SELECT ${cols} FROM orders WHERE customer_id = $1 AND (created_at, id) < ($2::timestamptz, $3::bigint)
             ORDER BY created_at DESC, id DESC LIMIT $4`,
            [customerId, after.at, after.id, limit],
          )
        : await pool.query<OrderRow>(
            `SELECT ${cols} FROM orders WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
            [customerId, limit],
          );
      if (rows.length === 0) {
        const c = await pool.query('SELECT 1 FROM customers WHERE id = $1', [customerId]);
        return c.rowCount ? [] : null;
      }
      const items = await pool.query<ItemRow>(ITEMS, [rows.map((r) => r.id)]);
      return assemble(rows, items.rows);
    },

    async customers(country, afterId, limit) {
      const { rows } = await pool.query<{
        id: string;
        name: string;
        email: string;
        order_count: number;
        last_order_at: Date | null;
      }>(
        `SELECT c.id, c.name, c.email, s.order_count, s.last_order_at
         FROM (SELECT id, name, email FROM customers WHERE country = $1 AND id > $2 ORDER BY id LIMIT $3) c
         CROSS JOIN LATERAL (SELECT count(*)::int AS order_count, max(created_at) AS last_order_at
                             FROM orders o WHERE o.customer_id = c.id) s
         ORDER BY c.id`,
        [country, afterId, limit],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        name: r.name,
        email: r.email,
        order_count: r.order_count,
        last_order_at: r.last_order_at ? r.last_order_at.toISOString() : null,
      }));
    },

    async topProducts(from, until, limit) {
      const { rows } = await pool.query<{
        product_id: string;
        name: string;
        units: string;
        revenue_cents: string;
      }>(
        `WITH r AS (
           SELECT oi.product_id, sum(oi.quantity) AS units, sum(oi.quantity::bigint * oi.unit_price_cents) AS revenue_cents
           FROM orders o JOIN order_items oi ON oi.order_id = o.id
           WHERE o.created_at >= $1 AND o.created_at < $2 AND o.status <> 'cancelled'
           GROUP BY oi.product_id
           ORDER BY revenue_cents DESC, oi.product_id
           LIMIT $3)
         SELECT r.product_id, p.name, r.units, r.revenue_cents
         FROM r JOIN products p ON p.id = r.product_id
         ORDER BY r.revenue_cents DESC, r.product_id`,
        [from, until, limit],
      );
      return rows.map((r) => ({
        product_id: Number(r.product_id),
        name: r.name,
        units: Number(r.units),
        revenue_cents: Number(r.revenue_cents),
      }));
    },

    async search(prefix, limit) {
      const { rows } = await pool.query<{ id: string; name: string; price_cents: number }>(
        `SELECT id, name, price_cents FROM products
         WHERE (lower(name) COLLATE "C") LIKE $1
         ORDER BY (lower(name) COLLATE "C"), id LIMIT $2`,
        [likePrefix(prefix), limit],
      );
      return rows.map((r) => ({ id: Number(r.id), name: r.name, price_cents: r.price_cents }));
    },

    async placeOrder(customerId, items) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const c = await client.query('SELECT 1 FROM customers WHERE id = $1', [customerId]);
        if (!c.rowCount) {
          await client.query('ROLLBACK');
          return 'unknown_customer';
        }
        const ids = [...new Set(items.map((i) => i.product_id))];
        const prices = await client.query<{ id: string; name: string; price_cents: number }>(
          'SELECT id, name, price_cents FROM products WHERE id = ANY($1::bigint[])',
          [ids],
        );
        if (prices.rowCount !== ids.length) {
          await client.query('ROLLBACK');
          return 'unknown_product';
        }
        const product = new Map(prices.rows.map((p) => [Number(p.id), p]));
        const o = await client.query<OrderRow>(
          `INSERT INTO orders (customer_id, status, created_at) VALUES ($1, 'placed', date_trunc('milliseconds', now()))
           RETURNING id, customer_id, status, created_at, '' AS k`,
          [customerId],
        );
        const order = o.rows[0]!;
        await client.query(
          `INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price_cents)
           SELECT $1, n, pid, q, price FROM unnest($2::bigint[], $3::int[], $4::int[]) WITH ORDINALITY AS t(pid, q, price, n)`,
          [
            order.id,
            items.map((i) => i.product_id),
            items.map((i) => i.quantity),
            items.map((i) => product.get(i.product_id)!.price_cents),
          ],
        );
        await client.query('COMMIT');
        const lines: ItemRow[] = items.map((i, n) => ({
          order_id: order.id,
          line_no: n + 1,
          product_id: String(i.product_id),
          product_name: product.get(i.product_id)!.name,
          quantity: i.quantity,
          unit_price_cents: product.get(i.product_id)!.price_cents,
        }));
        return assemble([order], lines)[0]!.order;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
  };
}
