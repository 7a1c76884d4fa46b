import pg from 'pg';

/** The grader's own copy of the shop (a database the candidate cannot reach), and its indexes. */
export const GRADER_DB = 'grader';

// The tuned baseline's indexes: the same work the README asks of a tuned service.
const INDEXES = [
  'CREATE INDEX ON orders (customer_id, created_at DESC, id DESC)',
  'CREATE INDEX ON orders (created_at) INCLUDE (id, status)',
  'CREATE INDEX ON customers (country, id)',
  'CREATE INDEX ON products ((lower(name) COLLATE "C"), id)',
];

/** `url` with another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Copies the freshly seeded database (before any candidate code has run) into the grader's own,
 * owned by the administrator and closed to the candidate's role, with the baseline's indexes, and
 * loads pg_stat_statements there for the tests to read. Returns the copy's URL.
 */
export async function copyForGrader(adminUrl: string, database: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const q = pg.escapeIdentifier;
    // The seeding connection may still be closing on the server: the copy needs the source idle.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(
          `CREATE DATABASE ${q(GRADER_DB)} TEMPLATE ${q(database)} STRATEGY FILE_COPY OWNER postgres`,
        );
        break;
      } catch (e) {
        if (attempt >= 50 || !/being accessed by other users/.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await admin.query(`REVOKE ALL ON DATABASE ${q(GRADER_DB)} FROM PUBLIC`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, GRADER_DB);
  const own = new pg.Client({ connectionString: url });
  await own.connect();
  try {
    for (const t of ['customers', 'products', 'orders', 'order_items'])
      await own.query(`ALTER TABLE ${t} OWNER TO postgres`);
    await own.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await Promise.all(
      INDEXES.map(async (sql) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          await c.query(sql);
        } finally {
          await c.end();
        }
      }),
    );
    await own.query('ANALYZE');
  } finally {
    await own.end();
  }
  return url;
}
