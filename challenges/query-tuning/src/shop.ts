import type pg from 'pg';
import type { Order, OrderKey, Shop } from './app.js';

interface OrderRow {
  id: string;
  customer_id: string;
  status: string;
  created_at: Date;
  k: string;
}
interface ItemRow {
  line_no: number;
  product_id: string;
  quantity: number;
  unit_price_cents: number;
}
interface ProductRow {
  id: string;
  name: string;
  description: string;
  category: string;
  price_cents: number;
}

/** `%`, `_` and the escape character itself match literally in a LIKE pattern. */
const likePrefix = (s: string): string => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Every query the API makes. Correct, and written the first way that came to mind. */
export function shop(pool: pg.Pool): Shop {
  const productById = async (id: string | number): Promise<ProductRow | undefined> =>
    (await pool.query<ProductRow>('SELECT * FROM products WHERE id = $1', [id])).rows[0];

  const withItems = async (o: OrderRow): Promise<Order> => {
    const items = await pool.query<ItemRow>(
      'SELECT * FROM order_items WHERE order_id = $1 ORDER BY line_no',
      [o.id],
    );
    const lines: Order['items'] = [];
    for (const it of items.rows) {
      const p = await productById(it.product_id);
      lines.push({
        line_no: it.line_no,
        product_id: Number(it.product_id),
        product_name: p!.name,
        quantity: it.quantity,
        unit_price_cents: it.unit_price_cents,
        line_total_cents: it.quantity * it.unit_price_cents,
      });
    }
    return {
      id: Number(o.id),
      customer_id: Number(o.customer_id),
      status: o.status,
      created_at: o.created_at.toISOString(),
      total_cents: lines.reduce((t, l) => t + l.line_total_cents, 0),
      items: lines,
    };
  };

  return {
    async customerOrders(customerId, limit, after) {
      const c = await pool.query('SELECT * FROM customers WHERE id = $1', [customerId]);
      if (!c.rowCount) return null;
      const { rows } = await pool.query<OrderRow>(
        `SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS k
         FROM orders WHERE customer_id = $1 ORDER BY created_at DESC, id DESC`,
        [customerId],
      );
      // The text keys sort as the timestamps do.
      const older = (o: OrderRow, a: OrderKey) => o.k < a.at || (o.k === a.at && Number(o.id) < a.id);
      const page = (after ? rows.filter((o) => older(o, after)) : rows).slice(0, limit);
      const out: { order: Order; key: OrderKey }[] = [];
      for (const o of page) out.push({ order: await withItems(o), key: { at: o.k, id: Number(o.id) } });
      return out;
    },

    async customers(country, afterId, limit) {
      const { rows } = await pool.query<{ id: string; name: string; email: string }>(
        'SELECT * FROM customers WHERE country = $1 AND id > $2 ORDER BY id LIMIT $3',
        [country, afterId, limit],
      );
      const out = [];
      for (const c of rows) {
        const s = await pool.query<{ n: number; last: Date | null }>(
          'SELECT count(*)::int AS n, max(created_at) AS last FROM orders WHERE customer_id = $1',
          [c.id],
        );
        out.push({
          id: Number(c.id),
          name: c.name,
          email: c.email,
          order_count: s.rows[0]!.n,
          last_order_at: s.rows[0]!.last ? s.rows[0]!.last.toISOString() : null,
        });
      }
      return out;
    },

    async topProducts(from, until, limit) {
      const { rows } = await pool.query<ItemRow & { status: string }>(
        `SELECT oi.*, o.status FROM orders o JOIN order_items oi ON oi.order_id = o.id
         WHERE o.created_at >= $1 AND o.created_at < $2`,
        [from, until],
      );
      const totals = new Map<number, { units: number; revenue: number }>();
      for (const r of rows) {
        if (r.status === 'cancelled') continue;
        const t = totals.get(Number(r.product_id)) ?? { units: 0, revenue: 0 };
        t.units += r.quantity;
        t.revenue += r.quantity * r.unit_price_cents;
        totals.set(Number(r.product_id), t);
      }
      const top = [...totals.entries()]
        .sort(([a, x], [b, y]) => y.revenue - x.revenue || a - b)
        .slice(0, limit);
      const out = [];
      for (const [id, t] of top) {
        const p = await productById(id);
        out.push({ product_id: id, name: p!.name, units: t.units, revenue_cents: t.revenue });
      }
      return out;
    },

    async search(prefix, limit) {
      const { rows } = await pool.query<ProductRow>(
        `SELECT * FROM products WHERE name ILIKE $1 ORDER BY lower(name) COLLATE "C", id LIMIT $2`,
        [likePrefix(prefix), limit],
      );
      return rows.map((r) => ({ id: Number(r.id), name: r.name, price_cents: r.price_cents }));
    },

    async placeOrder(customerId, items) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const c = await client.query('SELECT * FROM customers WHERE id = $1', [customerId]);
        if (!c.rowCount) {
          await client.query('ROLLBACK');
          return 'unknown_customer';
        }
        const products: ProductRow[] = [];
        for (const it of items) {
          const p = await client.query<ProductRow>('SELECT * FROM products WHERE id = $1', [it.product_id]);
          if (!p.rows[0]) {
            await client.query('ROLLBACK');
            return 'unknown_product';
          }
          products.push(p.rows[0]);
        }
        const o = await client.query<OrderRow>(
          `INSERT INTO orders (customer_id, status, created_at) VALUES ($1, 'placed', date_trunc('milliseconds', now()))
           RETURNING *, '' AS k`,
          [customerId],
        );
        const order = o.rows[0]!;
        for (const [n, it] of items.entries())
          await client.query('INSERT INTO order_items VALUES ($1, $2, $3, $4, $5)', [
            order.id,
            n + 1,
            it.product_id,
            it.quantity,
            products[n]!.price_cents,
          ]);
        await client.query('COMMIT');
        return await withItems(order);
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
  };
}
