import { randomBytes } from 'node:crypto';
import type pg from 'pg';

// One index per sort (and per sort within a category), each ending in id: the keyset condition
// (sort key, id) < (last key, last id) is then one index range scan, however deep the page.
const INDEXES = [
  'CREATE INDEX IF NOT EXISTS products_created_id ON products (created_at, id)',
  'CREATE INDEX IF NOT EXISTS products_price_id ON products (price_cents, id)',
  'CREATE INDEX IF NOT EXISTS products_name_id ON products ((name COLLATE "C"), id)',
  'CREATE INDEX IF NOT EXISTS products_cat_created_id ON products (category, created_at, id)',
  'CREATE INDEX IF NOT EXISTS products_cat_price_id ON products (category, price_cents, id)',
  'CREATE INDEX IF NOT EXISTS products_cat_name_id ON products (category, (name COLLATE "C"), id)',
];

/**
 * Indexes, and the secret cursors are signed with (shared by every instance through the
 * database). Two instances migrate at once: an advisory lock makes them take turns.
 */
export async function migrate(pool: pg.Pool): Promise<Buffer> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7231)');
    for (const sql of INDEXES) await client.query(sql);
    await client.query(
      'CREATE TABLE IF NOT EXISTS cursor_secret (id int PRIMARY KEY, secret bytea NOT NULL)',
    );
    await client.query('INSERT INTO cursor_secret VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [
      randomBytes(32),
    ]);
    await client.query('ANALYZE products');
    const { rows } = await client.query<{ secret: Buffer }>('SELECT secret FROM cursor_secret WHERE id = 1');
    return rows[0]!.secret;
  } finally {
    await client.query('SELECT pg_advisory_unlock(7231)').catch(() => {});
    client.release();
  }
}
