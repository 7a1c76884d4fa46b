import type pg from 'pg';

// Several instances may start at once on an empty database: the advisory lock serialises the
// migration, since concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog.
export async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(734110)');
    await client.query(`
      CREATE TABLE IF NOT EXISTS urls (
        code        text PRIMARY KEY,
        url         text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz,
        clicks      bigint NOT NULL DEFAULT 0
      )`);
  } finally {
    await client.query('SELECT pg_advisory_unlock(734110)').catch(() => {});
    client.release();
  }
}

/** A stored short URL. */
export interface UrlRow {
  code: string;
  url: string;
  created_at: Date;
  expires_at: Date | null;
  clicks: string;
}

export async function findUrl(pool: pg.Pool, code: string): Promise<UrlRow | null> {
  const r = await pool.query<UrlRow>({
    name: 'find-url',
    text: 'SELECT code, url, created_at, expires_at, clicks FROM urls WHERE code = $1',
    values: [code],
  });
  return r.rows[0] ?? null;
}

/** Insert unless the code exists; null means the code was taken. */
export async function insertUrl(
  pool: pg.Pool,
  code: string,
  url: string,
  expiresAt: Date | null,
): Promise<UrlRow | null> {
  const r = await pool.query<UrlRow>({
    name: 'insert-url',
    text: `INSERT INTO urls (code, url, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT (code) DO NOTHING
           RETURNING code, url, created_at, expires_at, clicks`,
    values: [code, url, expiresAt],
  });
  return r.rows[0] ?? null;
}

export async function addClicks(pool: pg.Pool, counts: Map<string, number>): Promise<void> {
  if (counts.size === 0) return;
  await pool.query({
    name: 'add-clicks',
    text: `UPDATE urls SET clicks = urls.clicks + c.n
           FROM unnest($1::text[], $2::bigint[]) AS c(code, n) WHERE urls.code = c.code`,
    values: [[...counts.keys()], [...counts.values()]],
  });
}
