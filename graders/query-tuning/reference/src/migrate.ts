import type pg from 'pg';

// Each built CONCURRENTLY: writes go on while an index builds (README R11). IF NOT EXISTS makes a
// second run, or a second instance, a no-op; an index a crashed build left INVALID is rebuilt.
const INDEXES: [name: string, definition: string][] = [
  // A customer's orders newest first, and their count (R1, R2): one range of one index.
  ['orders_customer_created', 'orders (customer_id, created_at DESC, id DESC)'],
  // Orders in a date range (R3), with what the report filters on, without visiting the table.
  ['orders_created', 'orders (created_at) INCLUDE (id, status)'],
  // Customers of a country in id order (R2).
  ['customers_country_id', 'customers (country, id)'],
  // Name prefixes, lower-cased and byte-wise, in the order the search returns them (R4).
  ['products_lower_name', 'products ((lower(name) COLLATE "C"), id)'],
];

/** Builds the indexes the queries need; two instances starting at once take turns. */
export async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    // A session lock, taken by polling: CREATE INDEX CONCURRENTLY waits for every transaction
    // older than it to end, and a pg_advisory_lock() call waiting for the lock is one, so two
    // instances waiting that way on each other deadlock.
    for (;;) {
      const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock(4711) AS got');
      if (rows[0]!.got) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const [name, definition] of INDEXES) {
      const { rows } = await client.query<{ valid: boolean }>(
        `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace`,
        [name],
      );
      if (rows[0]?.valid) continue;
      if (rows[0]) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      await client.query(`CREATE INDEX CONCURRENTLY ${name} ON ${definition}`);
    }
    await client.query('ANALYZE orders, customers, products');
  } finally {
    await client.query('SELECT pg_advisory_unlock(4711)').catch(() => {});
    client.release();
  }
}
