import type pg from 'pg';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    password_hash text NOT NULL,
    role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  // The database, not a check before the insert, decides which of two racing registrations wins.
  'CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower ON users (lower(email))',
  // Only a hash of each refresh token is kept: a leaked table grants no session.
  `CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash text PRIMARY KEY,
    family uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id),
    expires_at timestamptz NOT NULL,
    spent_at timestamptz,
    revoked boolean NOT NULL DEFAULT false
  )`,
  'CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family)',
];

/** Tables, and the admin account. Instances migrate at once: an advisory lock makes them take turns. */
export async function migrate(pool: pg.Pool, admin: { email: string; passwordHash: string }): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7241)');
    for (const sql of SCHEMA) await client.query(sql);
    await client.query(
      `INSERT INTO users (email, password_hash, role) VALUES ($1, $2, 'admin')
       ON CONFLICT ((lower(email))) DO NOTHING`,
      [admin.email, admin.passwordHash],
    );
  } finally {
    await client.query('SELECT pg_advisory_unlock(7241)').catch(() => {});
    client.release();
  }
}
