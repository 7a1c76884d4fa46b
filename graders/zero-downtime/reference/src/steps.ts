import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { SQL_FIRST_NAME, SQL_LAST_NAME } from './names.js';

/** A step's outcome: done (now or before), or refused with the reason (README R4). */
export type StepResult = { ok: true; said: string } | { ok: false; said: string };

/** Rows one backfill transaction changes at most (README R6: 1,000). */
const BATCH = 1_000;
// Under R5's 200 ms: while a step waits for its lock, the requests behind it wait too.
const LOCK_TIMEOUT = '100ms';
const GIVE_UP_MS = 180_000;

const isLockTimeout = (e: unknown): boolean => (e as { code?: string }).code === '55P03';

/**
 * Run `work` in a transaction whose lock requests give up after LOCK_TIMEOUT, again and again
 * until it gets its locks: a step never queues behind traffic, and traffic never queues behind a
 * step for long (README R5).
 */
async function withShortLocks<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const deadline = Date.now() + GIVE_UP_MS;
  for (let attempt = 1; ; attempt++) {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      const out = await work(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      if (!isLockTimeout(e) || Date.now() > deadline) throw e;
      // Jittered, growing a little: a busy table gets a moment between requests.
      await sleep(Math.min(500, 20 * attempt) + Math.random() * 50);
    } finally {
      c.release();
    }
  }
}

async function columns(pool: pg.Pool): Promise<Set<string>> {
  const { rows } = await pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'accounts'`,
  );
  return new Set(rows.map((r) => r.column_name));
}

async function constraints(pool: pg.Pool): Promise<Map<string, boolean>> {
  const { rows } = await pool.query<{ conname: string; convalidated: boolean }>(
    `SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'accounts'::regclass`,
  );
  return new Map(rows.map((r) => [r.conname, r.convalidated]));
}

// Keeps both shapes in step while versions 1 and 2 run side by side: v1 writes `name`, v2 the new
// columns, each gets the other. Installed by expand, dropped by contract with `name`.
const SYNC_FUNCTION = `
CREATE OR REPLACE FUNCTION accounts_sync_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.name IS DISTINCT FROM OLD.name THEN
    NEW.first_name := ${SQL_FIRST_NAME('NEW.name')};
    NEW.last_name := ${SQL_LAST_NAME('NEW.name')};
  ELSE
    NEW.first_name := coalesce(NEW.first_name, ${SQL_FIRST_NAME('NEW.name')});
    NEW.last_name := coalesce(NEW.last_name, ${SQL_LAST_NAME('NEW.name')});
    NEW.name := CASE WHEN NEW.last_name = '' THEN NEW.first_name
                     ELSE NEW.first_name || ' ' || NEW.last_name END;
  END IF;
  RETURN NEW;
END $$`;

/** Add the new columns (nullable: no rewrite, no scan) and the trigger that keeps both shapes. */
export async function expand(pool: pg.Pool): Promise<StepResult> {
  const have = await columns(pool);
  const { rows } = await pool.query(
    `SELECT 1 FROM pg_trigger WHERE tgrelid = 'accounts'::regclass AND tgname = 'accounts_sync_names'`,
  );
  if (have.has('first_name') && have.has('last_name') && rows.length)
    return { ok: true, said: 'expand: already done' };
  if (!have.has('name')) return { ok: true, said: 'expand: already done (contracted)' };
  await pool.query(SYNC_FUNCTION);
  await withShortLocks(pool, async (c) => {
    await c.query(
      'ALTER TABLE accounts ADD COLUMN IF NOT EXISTS first_name text, ADD COLUMN IF NOT EXISTS last_name text',
    );
    await c.query(
      'CREATE OR REPLACE TRIGGER accounts_sync_names BEFORE INSERT OR UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION accounts_sync_names()',
    );
  });
  return {
    ok: true,
    said: 'expand: added first_name, last_name and the trigger that keeps them in step with name',
  };
}

/**
 * Fill the new columns from `name`, BATCH ids at a time, each batch its own transaction. Rows
 * written since expand are filled by the trigger; a rerun after a crash starts again from the
 * first row left, so it can be killed at any moment (README R6).
 */
export async function backfill(pool: pg.Pool): Promise<StepResult> {
  const have = await columns(pool);
  if (!have.has('name')) return { ok: true, said: 'backfill: nothing to do (contracted)' };
  if (!have.has('first_name')) return { ok: false, said: 'backfill: run expand first' };
  const { rows } = await pool.query<{ lo: string | null; hi: string | null }>(
    'SELECT min(id) AS lo, max(id) AS hi FROM accounts WHERE first_name IS NULL OR last_name IS NULL',
  );
  if (rows[0]?.lo == null) return { ok: true, said: 'backfill: already done' };
  const [lo, hi] = [Number(rows[0].lo), Number(rows[0].hi)];
  let filled = 0;
  for (let from = lo; from <= hi; from += BATCH) {
    filled += await withShortLocks(pool, async (c) => {
      const r = await c.query(
        `UPDATE accounts SET first_name = ${SQL_FIRST_NAME('name')}, last_name = ${SQL_LAST_NAME('name')}
          WHERE id >= $1 AND id < $2 AND (first_name IS NULL OR last_name IS NULL)`,
        [from, from + BATCH],
      );
      return r.rowCount ?? 0;
    });
  }
  return { ok: true, said: `backfill: filled ${filled} rows in batches of at most ${BATCH}` };
}

const CHECKS: [name: string, check: string][] = [
  ['accounts_first_name_present', 'first_name IS NOT NULL'],
  ['accounts_last_name_present', 'last_name IS NOT NULL'],
  ['accounts_first_name_length', 'char_length(first_name) BETWEEN 1 AND 50'],
  ['accounts_last_name_length', 'char_length(last_name) <= 50'],
];

/**
 * Make the new columns the only ones: refuse while a row is not filled; prove the constraints with
 * NOT VALID then VALIDATE (the scan holds no lock that blocks writes), let SET NOT NULL use the
 * proven checks instead of a scan, and drop `name` with the trigger in one short transaction.
 */
export async function contract(pool: pg.Pool): Promise<StepResult> {
  const have = await columns(pool);
  if (!have.has('name')) return { ok: true, said: 'contract: already done' };
  if (!have.has('first_name')) return { ok: false, said: 'contract: refused: expand has not run' };
  const { rows } = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM accounts WHERE first_name IS NULL OR last_name IS NULL',
  );
  const left = rows[0]?.n ?? 0;
  if (left > 0)
    return {
      ok: false,
      said: `contract: refused: ${left} rows have no first_name or last_name yet; run backfill first`,
    };
  const present = await constraints(pool);
  for (const [name, check] of CHECKS) {
    if (!present.has(name))
      await withShortLocks(pool, (c) =>
        c.query(`ALTER TABLE accounts ADD CONSTRAINT ${name} CHECK (${check}) NOT VALID`),
      );
    // SHARE UPDATE EXCLUSIVE: reads and writes go on while it scans; but an autovacuum of the
    // table (likely, after the backfill) holds it too, so short waits here as well.
    if (!present.get(name))
      await withShortLocks(pool, (c) => c.query(`ALTER TABLE accounts VALIDATE CONSTRAINT ${name}`));
  }
  await withShortLocks(pool, async (c) => {
    await c.query(
      `ALTER TABLE accounts ALTER COLUMN first_name SET NOT NULL, ALTER COLUMN last_name SET NOT NULL,
                            ALTER COLUMN last_name SET DEFAULT ''`,
    );
    await c.query('DROP TRIGGER IF EXISTS accounts_sync_names ON accounts');
    await c.query('ALTER TABLE accounts DROP COLUMN name');
    // NOT NULL says it now; the checks that proved it would be checked on every write for nothing.
    await c.query(
      'ALTER TABLE accounts DROP CONSTRAINT accounts_first_name_present, DROP CONSTRAINT accounts_last_name_present',
    );
    await c.query('DROP FUNCTION IF EXISTS accounts_sync_names()');
  });
  return {
    ok: true,
    said: 'contract: first_name and last_name are NOT NULL with their checks; name dropped',
  };
}

/** The steps by name (README R4). */
export const steps = { expand, backfill, contract } as const;
