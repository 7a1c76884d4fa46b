import type pg from 'pg';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS orders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    idem_key text NOT NULL UNIQUE,
    request_hash text NOT NULL,
    sku text NOT NULL,
    quantity int NOT NULL,
    amount_cents int NOT NULL,
    address text NOT NULL,
    status text NOT NULL DEFAULT 'PENDING',
    step text NOT NULL DEFAULT 'reserve',
    reservation_id text,
    charge_id text,
    shipment_id text,
    failed_step text,
    attempts int NOT NULL DEFAULT 0,
    step_failing_since timestamptz,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_owner text,
    lease_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  // The worker's query: pending sagas that are due and not leased.
  `CREATE INDEX IF NOT EXISTS orders_due ON orders (next_attempt_at) WHERE status = 'PENDING'`,
];

/** Tables. Two instances migrate at once: an advisory lock makes them take turns. */
export async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7251)');
    for (const sql of SCHEMA) await client.query(sql);
  } finally {
    await client.query('SELECT pg_advisory_unlock(7251)').catch(() => {});
    client.release();
  }
}
