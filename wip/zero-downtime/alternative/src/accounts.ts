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
  create(email: string, names: Names): Promise<Account | 'email_taken' | 'names_refused'>;
  get(id: string): Promise<Account | null>;
  /** `names_refused`: the change would leave names that do not split back (R2); nothing written. */
  update(id: string, change: AccountChange): Promise<Account | null | 'email_taken' | 'names_refused'>;
}

const account = (id: number | string, email: string, names: Names): Account => ({
  id: Number(id),
  email,
  ...names,
  name: joinNames(names),
});

const errCode = (e: unknown): string | undefined => (e as { code?: string }).code;

/** A row as `SELECT *` returns it, before or after expand, before or after contract. */
type Row = {
  id: string;
  email: string;
  name?: string;
  first_name?: string | null;
  last_name?: string | null;
};

/** The names of a row: the new columns once filled, else split from `name`. */
const namesOf = (r: Row): Names =>
  r.first_name != null && r.last_name != null
    ? { first_name: r.first_name, last_name: r.last_name }
    : splitName(r.name ?? '');

/**
 * In a transaction, with a taken email as a value. Both versions write in two statements at most
 * and only where the schema of the moment asks for it.
 */
/** Thrown inside a write whose outcome R2 refuses: the transaction is rolled back. */
class NamesRefused extends Error {}

async function tx<T>(
  pool: pg.Pool,
  work: (c: pg.PoolClient) => Promise<T>,
): Promise<T | 'email_taken' | 'names_refused'> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await work(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    if (errCode(e) === '23505') return 'email_taken';
    if (e instanceof NamesRefused) return 'names_refused';
    throw e;
  } finally {
    c.release();
  }
}

/**
 * Version 1 writes `name`, and learns from each write's own `RETURNING *` whether expand has run:
 * if the row has the new columns, it fills them in the same transaction. No trigger, and no
 * window in which a v1 write leaves the new columns stale (README R6).
 */
export function accountsV1(pool: pg.Pool): Accounts {
  const dualWrite = async (c: pg.PoolClient, r: Row): Promise<void> => {
    if (!('first_name' in r)) return;
    const n = splitName(r.name!);
    await c.query('UPDATE accounts SET first_name = $2, last_name = $3 WHERE id = $1', [
      r.id,
      n.first_name,
      n.last_name,
    ]);
  };
  return {
    create: (email, names) =>
      tx(pool, async (c) => {
        const { rows } = await c.query<Row>(
          'INSERT INTO accounts (email, name) VALUES ($1, $2) RETURNING *',
          [email, joinNames(names)],
        );
        await dualWrite(c, rows[0]!);
        return account(rows[0]!.id, email, names);
      }),
    async get(id) {
      const { rows } = await pool.query<Row>('SELECT id, email, name FROM accounts WHERE id = $1', [id]);
      return rows[0] ? account(rows[0].id, rows[0].email, splitName(rows[0].name!)) : null;
    },
    update: (id, change) =>
      tx(pool, async (c) => {
        const first = `coalesce($3::text, ${SQL_FIRST_NAME('a.name')})`;
        const last = `coalesce($4::text, ${SQL_LAST_NAME('a.name')})`;
        // The row as it was comes back beside the new one (a self-join reads the old version),
        // so the names the change meant are known, and refused after the fact if R2 forbids them.
        const { rows } = await c.query<Row & { was: string }>(
          `UPDATE accounts a
              SET email = coalesce($2, a.email),
                  name = CASE WHEN ${last} = '' THEN ${first} ELSE ${first} || ' ' || ${last} END,
                  updated_at = now()
             FROM accounts old
            WHERE a.id = $1 AND old.id = a.id
        RETURNING a.*, old.name AS was`,
          [id, change.email ?? null, change.first_name ?? null, change.last_name ?? null],
        );
        const r = rows[0];
        if (!r) return null;
        const was = splitName(r.was);
        if (
          !splitsBack({
            first_name: change.first_name ?? was.first_name,
            last_name: change.last_name ?? was.last_name,
          })
        )
          throw new NamesRefused();
        await dualWrite(c, r);
        return account(r.id, r.email, splitName(r.name!));
      }),
  };
}

/**
 * Version 2 writes the new columns and, until contract drops it, `name` too, so a rollback to v1
 * loses nothing (README R8). It finds contract has run when `name` is refused (undefined column),
 * and stops writing it from then on.
 */
export function accountsV2(pool: pg.Pool): Accounts {
  let contracted = false;
  /** `write` as it stands, once more without `name` if contract dropped it meanwhile. */
  const withOrWithoutName = async <T>(write: (withName: boolean) => Promise<T>): Promise<T> => {
    if (contracted) return write(false);
    try {
      return await write(true);
    } catch (e) {
      if (errCode(e) !== '42703') throw e;
      contracted = true;
      return write(false);
    }
  };
  return {
    create: (email, names) =>
      withOrWithoutName((withName) =>
        tx(pool, async (c) => {
          const { rows } = await c.query<Row>(
            withName
              ? 'INSERT INTO accounts (email, first_name, last_name, name) VALUES ($1, $2, $3, $4) RETURNING id'
              : 'INSERT INTO accounts (email, first_name, last_name) VALUES ($1, $2, $3) RETURNING id',
            [email, names.first_name, names.last_name, ...(withName ? [joinNames(names)] : [])],
          );
          return account(rows[0]!.id, email, names);
        }),
      ),
    async get(id) {
      // Every column there is: a row the backfill has not reached yet still has its name.
      const { rows } = await pool.query<Row>('SELECT * FROM accounts WHERE id = $1', [id]);
      return rows[0] ? account(rows[0].id, rows[0].email, namesOf(rows[0])) : null;
    },
    update: (id, change) =>
      withOrWithoutName((withName) =>
        tx(pool, async (c) => {
          const params = [id, change.email ?? null, change.first_name ?? null, change.last_name ?? null];
          // A part not sent: the stored one, or, on a row not yet backfilled, the one its name holds.
          const first = withName
            ? `coalesce($3, first_name, ${SQL_FIRST_NAME('name')})`
            : 'coalesce($3, first_name)';
          const last = withName
            ? `coalesce($4, last_name, ${SQL_LAST_NAME('name')})`
            : 'coalesce($4, last_name)';
          const { rows } = await c.query<Row>(
            `UPDATE accounts
                SET email = coalesce($2, email), first_name = ${first}, last_name = ${last},
                    ${withName ? `name = CASE WHEN ${last} = '' THEN ${first} ELSE ${first} || ' ' || ${last} END,` : ''}
                    updated_at = now()
              WHERE id = $1
          RETURNING id, email, first_name, last_name`,
            params,
          );
          const r = rows[0];
          if (!r) return null;
          if (!splitsBack(namesOf(r))) throw new NamesRefused();
          return account(r.id, r.email, namesOf(r));
        }),
      ),
  };
}
