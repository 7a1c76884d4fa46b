import type pg from 'pg';
import { joinNames, type Names, SQL_FIRST_NAME, SQL_LAST_NAME, splitName } from './names.js';

/** An account as the API shows it (README R1). */
export interface Account extends Names {
  id: number;
  email: string;
  name: string;
}

/** What a PATCH may change (README R1): the fields sent, the rest kept. */
export interface AccountChange {
  email?: string;
  first_name?: string;
  last_name?: string;
}

/** Every query of the API, for one version of the service. */
export interface Accounts {
  create(email: string, names: Names): Promise<Account | 'email_taken'>;
  get(id: number): Promise<Account | null>;
  /** `names_split_wrong`: the names the change would leave do not split back (README R2). */
  update(id: number, change: AccountChange): Promise<Account | null | 'email_taken' | 'names_split_wrong'>;
}

const account = (id: number | string, email: string, names: Names): Account => ({
  id: Number(id),
  email,
  ...names,
  name: joinNames(names),
});

const isEmailTaken = (e: unknown): boolean => (e as { code?: string }).code === '23505';

/** Why an UPDATE guarded by R2's rule changed no row: no such account, or names R2 refuses. */
async function unchanged(pool: pg.Pool, id: number): Promise<null | 'names_split_wrong'> {
  const found = await pool.query('SELECT 1 FROM accounts WHERE id = $1', [id]);
  return found.rowCount ? 'names_split_wrong' : null;
}

/** Either version's write, with a taken email as a value rather than an error. */
async function orTaken<T>(write: () => Promise<T>): Promise<T | 'email_taken'> {
  try {
    return await write();
  } catch (e) {
    if (isEmailTaken(e)) return 'email_taken';
    throw e;
  }
}

/** Version 1: names live in `name`. */
export function accountsV1(pool: pg.Pool): Accounts {
  return {
    async create(email, names) {
      return orTaken(async () => {
        const { rows } = await pool.query<{ id: string }>(
          'INSERT INTO accounts (email, name) VALUES ($1, $2) RETURNING id',
          [email, joinNames(names)],
        );
        return account(rows[0]!.id, email, names);
      });
    },
    async get(id) {
      const { rows } = await pool.query<{ id: string; email: string; name: string }>(
        'SELECT id, email, name FROM accounts WHERE id = $1',
        [id],
      );
      const r = rows[0];
      return r ? account(r.id, r.email, splitName(r.name)) : null;
    },
    async update(id, change) {
      return orTaken(async () => {
        // A name part not sent is kept from the stored name, in the same statement: no read-then-write race.
        const first = `coalesce($3::text, ${SQL_FIRST_NAME('name')})`;
        const last = `coalesce($4::text, ${SQL_LAST_NAME('name')})`;
        const { rows } = await pool.query<{ id: string; email: string; name: string }>(
          `UPDATE accounts
              SET email = coalesce($2, email),
                  name = CASE WHEN $3::text IS NULL AND $4::text IS NULL THEN name
                              WHEN ${last} = '' THEN ${first}
                              ELSE ${first} || ' ' || ${last} END,
                  updated_at = now()
            WHERE id = $1 AND NOT (${last} = '' AND strpos(${first}, ' ') > 0)
        RETURNING id, email, name`,
          [id, change.email ?? null, change.first_name ?? null, change.last_name ?? null],
        );
        const r = rows[0];
        return r ? account(r.id, r.email, splitName(r.name)) : unchanged(pool, id);
      });
    },
  };
}

/** Version 2: names live in `first_name` and `last_name`. */
export function accountsV2(pool: pg.Pool): Accounts {
  type Row = { id: string; email: string; first_name: string; last_name: string };
  const of = (r: Row): Account =>
    account(r.id, r.email, { first_name: r.first_name, last_name: r.last_name });
  return {
    async create(email, names) {
      return orTaken(async () => {
        const { rows } = await pool.query<{ id: string }>(
          'INSERT INTO accounts (email, first_name, last_name) VALUES ($1, $2, $3) RETURNING id',
          [email, names.first_name, names.last_name],
        );
        return account(rows[0]!.id, email, names);
      });
    },
    async get(id) {
      const { rows } = await pool.query<Row>(
        'SELECT id, email, first_name, last_name FROM accounts WHERE id = $1',
        [id],
      );
      return rows[0] ? of(rows[0]) : null;
    },
    async update(id, change) {
      return orTaken(async () => {
        const { rows } = await pool.query<Row>(
          `UPDATE accounts
              SET email = coalesce($2, email),
                  first_name = coalesce($3, first_name),
                  last_name = coalesce($4, last_name),
                  updated_at = now()
            WHERE id = $1 AND NOT (coalesce($4, last_name) = '' AND strpos(coalesce($3, first_name), ' ') > 0)
        RETURNING id, email, first_name, last_name`,
          [id, change.email ?? null, change.first_name ?? null, change.last_name ?? null],
        );
        return rows[0] ? of(rows[0]) : unchanged(pool, id);
      });
    },
  };
}
