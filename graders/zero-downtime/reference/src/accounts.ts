import type pg from 'pg';
import { joinNames, type Names, SQL_FIRST_NAME, SQL_LAST_NAME, splitName, splitsBack } from './names.js';

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

/** Either version's write, with a taken email as a value rather than an error. */
async function orTaken<T>(write: () => Promise<T>): Promise<T | 'email_taken'> {
  try {
    return await write();
  } catch (e) {
    if (isEmailTaken(e)) return 'email_taken';
    throw e;
  }
}

/**
 * Version 1: names live in `name`. It never touches the new columns: after `expand`, the
 * trigger keeps them in step with what it writes, so v1 works before, during and after the
 * migration up to `contract`, and again after a rollback (README R3, R8).
 */
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
        if (r) return account(r.id, r.email, splitName(r.name));
        // No row changed: no such account, or one the change would leave with names R2 refuses.
        const found = await pool.query('SELECT 1 FROM accounts WHERE id = $1', [id]);
        return found.rowCount ? 'names_split_wrong' : null;
      });
    },
  };
}

/**
 * Version 2: names live in `first_name` and `last_name`. Until `backfill` reaches a row, its new
 * columns may be empty: then the names come from `name` (still there before `contract`). It never
 * writes `name`: the trigger does, so a rollback to v1 loses nothing (README R8).
 */
export function accountsV2(pool: pg.Pool): Accounts {
  type Row = { id: string; email: string; first_name: string | null; last_name: string | null };
  /** A row as `to_jsonb` gives it, whatever its columns are by now (`name` goes at `contract`). */
  type AnyRow = Record<string, string | number | null>;
  // The new columns once filled; before `backfill` reaches the row, `name` split (still there
  // then, since `contract` refuses to run before the backfill has finished).
  const namesOf = (j: AnyRow): Names =>
    j.first_name != null && j.last_name != null
      ? { first_name: String(j.first_name), last_name: String(j.last_name) }
      : splitName(String(j.name ?? ''));
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
      const { rows } = await pool.query<{ j: AnyRow }>(
        'SELECT to_jsonb(a) AS j FROM accounts a WHERE id = $1',
        [id],
      );
      const j = rows[0]?.j;
      return j ? account(String(j.id), String(j.email), namesOf(j)) : null;
    },
    async update(id, change) {
      // The names a change leaves depend on the stored ones (R2), which may still be only in
      // `name` before the backfill: read the row locked, whatever its columns are by now, decide,
      // then write both parts.
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const { rows: found } = await c.query<{ j: AnyRow }>(
          'SELECT to_jsonb(a) AS j FROM accounts a WHERE id = $1 FOR UPDATE',
          [id],
        );
        const j = found[0]?.j;
        if (!j) {
          await c.query('ROLLBACK');
          return null;
        }
        const stored = namesOf(j);
        const next = {
          first_name: change.first_name ?? stored.first_name,
          last_name: change.last_name ?? stored.last_name,
        };
        if (!splitsBack(next)) {
          await c.query('ROLLBACK');
          return 'names_split_wrong';
        }
        const out = await orTaken(async () => {
          const { rows } = await c.query<Row>(
            `UPDATE accounts
                SET email = coalesce($2, email), first_name = $3, last_name = $4, updated_at = now()
              WHERE id = $1
          RETURNING id, email, first_name, last_name`,
            [id, change.email ?? null, next.first_name, next.last_name],
          );
          return account(rows[0]!.id, rows[0]!.email, next);
        });
        await c.query(out === 'email_taken' ? 'ROLLBACK' : 'COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    },
  };
}
