import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { SQL_FIRST_NAME, SQL_LAST_NAME } from './names.js';

/** A step's outcome: done (now or before), or refused with the reason (README R4). */
export type StepResult = { ok: boolean; said: string };

/** Rows per backfill transaction: well under README R6's 1,000. */
const BATCH = 500;

/**
 * One DDL statement with a 50 ms lock_timeout, retried with growing pauses until it gets its lock
 * (README R5): it never waits long, so neither does the traffic queued behind it.
 */
async function ddl(pool: pg.Pool, sql: string): Promise<void> {
  for (let pause = 10; ; pause = Math.min(pause * 2, 1_000)) {
    const c = await pool.connect();
    try {
      await c.query("SET lock_timeout = '50ms'");
      await c.query(sql);
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== '55P03') throw e;
    } finally {
      await c.query('RESET lock_timeout').catch(() => {});
      c.release();
    }
    await sleep(pause);
  }
}

const has = async (pool: pg.Pool, column: string): Promise<boolean> =>
  (
    await pool.query(
      `SELECT 1 FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = $1 AND NOT attisdropped`,
      [column],
    )
  ).rowCount! > 0;

/** New nullable columns only: version 1 fills them itself from then on (see accounts.ts). */
export async function expand(pool: pg.Pool): Promise<StepResult> {
  if ((await has(pool, 'first_name')) && (await has(pool, 'last_name')))
    return { ok: true, said: 'expand: nothing to do, the columns exist' };
  await ddl(
    pool,
    'ALTER TABLE accounts ADD COLUMN IF NOT EXISTS first_name text, ADD COLUMN IF NOT EXISTS last_name text',
  );
  return { ok: true, said: 'expand: first_name and last_name added' };
}

/**
 * Keyset batches in id order: the next BATCH ids still empty after the last one done, each batch
 * its own statement and transaction. Restarted after a kill, it finds the first empty row again.
 */
export async function backfill(pool: pg.Pool): Promise<StepResult> {
  if (!(await has(pool, 'name'))) return { ok: true, said: 'backfill: nothing to do, contract has run' };
  if (!(await has(pool, 'first_name'))) return { ok: false, said: 'backfill: refused: run expand first' };
  let after = 0;
  let total = 0;
  for (;;) {
    const { rows } = await pool.query<{ n: number; last: string | null }>(
      `WITH batch AS (
         SELECT id FROM accounts WHERE id > $1 AND (first_name IS NULL OR last_name IS NULL)
          ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED),
       done AS (
         UPDATE accounts a SET first_name = ${SQL_FIRST_NAME('a.name')}, last_name = ${SQL_LAST_NAME('a.name')}
           FROM batch WHERE a.id = batch.id RETURNING a.id)
       SELECT count(*)::int AS n, max(id)::text AS last FROM done`,
      [after],
    );
    const { n, last } = rows[0]!;
    if (n === 0 || last === null) break;
    total += n;
    after = Number(last);
  }
  // Rows skipped while a request held them: one more pass from the start finds them.
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM accounts WHERE first_name IS NULL OR last_name IS NULL',
  );
  if (rows[0]!.n > 0) return backfill(pool).then((r) => ({ ...r, said: `${r.said} (after ${total} rows)` }));
  return {
    ok: true,
    said: total ? `backfill: ${total} rows filled, ${BATCH} at a time` : 'backfill: nothing to do',
  };
}

/**
 * Refuse while rows are empty; else prove NOT NULL and the lengths with checks added NOT VALID and
 * validated (no lock that blocks writes while the table is read), SET NOT NULL over them, and drop
 * `name`. Every DDL with the short lock_timeout above.
 */
export async function contract(pool: pg.Pool): Promise<StepResult> {
  if (!(await has(pool, 'name'))) return { ok: true, said: 'contract: nothing to do, name is gone' };
  if (!(await has(pool, 'first_name'))) return { ok: false, said: 'contract: refused: expand has not run' };
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM accounts WHERE first_name IS NULL OR last_name IS NULL',
  );
  if (rows[0]!.n > 0)
    return {
      ok: false,
      said: `contract: refused: ${rows[0]!.n} accounts still lack first_name or last_name (run backfill)`,
    };
  const { rows: cons } = await pool.query<{ conname: string; convalidated: boolean }>(
    `SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'accounts'::regclass`,
  );
  const state = new Map(cons.map((c) => [c.conname, c.convalidated]));
  const checks: [string, string][] = [
    ['names_not_null', 'first_name IS NOT NULL AND last_name IS NOT NULL'],
    ['names_length', 'char_length(first_name) BETWEEN 1 AND 50 AND char_length(last_name) <= 50'],
  ];
  for (const [name, check] of checks) {
    if (!state.has(name))
      await ddl(pool, `ALTER TABLE accounts ADD CONSTRAINT ${name} CHECK (${check}) NOT VALID`);
    // SHARE UPDATE EXCLUSIVE lets writes through, but waits for an autovacuum of the table: short
    // waits too, and again.
    if (!state.get(name)) await ddl(pool, `ALTER TABLE accounts VALIDATE CONSTRAINT ${name}`);
  }
  // SET NOT NULL skips its scan only while the proven check is still there: drop it afterwards.
  await ddl(
    pool,
    `ALTER TABLE accounts ALTER COLUMN first_name SET NOT NULL, ALTER COLUMN last_name SET NOT NULL,
       ALTER COLUMN last_name SET DEFAULT '', DROP COLUMN name`,
  );
  await ddl(pool, 'ALTER TABLE accounts DROP CONSTRAINT IF EXISTS names_not_null');
  return { ok: true, said: 'contract: names NOT NULL and checked, name dropped' };
}

/** The steps by name (README R4). */
export const steps = { expand, backfill, contract } as const;
