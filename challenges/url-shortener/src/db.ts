import type pg from 'pg';

/**
 * Create or update the schema. Several instances start at once against the same database, so
 * this must be safe to run concurrently (hint: pg_advisory_lock).
 */
export async function migrate(pool: pg.Pool): Promise<void> {
  // TODO: create your tables here.
  await pool.query('SELECT 1');
}
