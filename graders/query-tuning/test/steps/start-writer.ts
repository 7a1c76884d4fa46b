import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { SIZES } from './data.ts';
import { GRADER_DB, withDatabase } from './oracle-db.ts';

/** What the writer saw while the instances started (README R11), handed to the tests as JSON. */
export interface StartWrites {
  /** From the first write to the writer's stop, once every instance was healthy. */
  durationMs: number;
  /** Writes (an order and its item, one transaction) that committed. */
  writes: number;
  /** The slowest write, a still unfinished one included, and when it began after the first. */
  slowest: { ms: number; atMs: number; unfinished: boolean };
  /** What held the lock the slowest write waited for, as Postgres reported it then (the service's SQL). */
  blockedBy: string[];
  /** Writes that failed, with Postgres's message (at most three). */
  errors: string[];
  /** The customer the orders were written for (the tests then read them through the service). */
  customer: number;
}

/** One write every 50 ms, from start to start: 20 a second while the instances start. */
const EVERY_MS = 50;
/** A write pending this long is looked at: who blocks it. */
const LOOK_AFTER_MS = 200;
/** At the stop, a pending write may finish within this; past it, it is ended and counted. */
const STOP_WAIT_MS = 2_000;

/**
 * Writes orders straight into the candidate's tables, as another service of the shop would, from
 * before the instances start until they are all healthy, timing each write: a start-up migration
 * that takes a lock blocking writes (an index built without CONCURRENTLY) makes one wait
 * (README R11). It writes as the run's own role, as the service does (the service's triggers run
 * as they would for any order); the grader's copy of the shop gets the same rows afterwards, so
 * every later answer includes them.
 */
export async function startWriter(ctx: {
  seed: number;
  services: { postgres?: string };
  admin: { postgres?: string };
}): Promise<{ stop: () => Promise<StartWrites> }> {
  const writer = new pg.Client({ connectionString: ctx.services.postgres! });
  const watcher = new pg.Client({ connectionString: ctx.admin.postgres! });
  // A connection the server ends (the stop below, or the service restarting the database) is
  // an error event: handled here, it fails the write it ends, not the grading.
  writer.on('error', () => undefined);
  watcher.on('error', () => undefined);
  await Promise.all([writer.connect(), watcher.connect()]);
  // A statement the service's locks keep waiting ends here, and counts as that long a wait.
  await writer.query("SET statement_timeout = '30s'");
  const pid = (await writer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  // An ordinary customer and product the seed picks: an order like any other.
  const customer = 11 + ((((ctx.seed * 7919) % 99_000) + 99_000) % 99_000);
  const productId = 1 + ((((ctx.seed * 104_729) % SIZES.products) + SIZES.products) % SIZES.products);
  const price = (
    await writer.query<{ p: number }>('SELECT price_cents AS p FROM products WHERE id = $1', [productId])
  ).rows[0]!.p;

  const written: { id: string; at: Date }[] = [];
  const result: StartWrites = {
    durationMs: 0,
    writes: 0,
    slowest: { ms: 0, atMs: 0, unfinished: false },
    blockedBy: [],
    errors: [],
    customer,
  };
  let t0 = Date.now();
  let stopping = false;
  let ended = false;
  let pending: { began: number; done: Promise<void> } | undefined;

  const writeOnce = async (): Promise<void> => {
    try {
      await writer.query('BEGIN');
      const { rows } = await writer.query<{ id: string; created_at: Date }>(
        `INSERT INTO orders (customer_id, status, created_at) VALUES ($1, 'placed', now())
         RETURNING id, created_at`,
        [customer],
      );
      await writer.query(
        'INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price_cents) VALUES ($1, 1, $2, 1, $3)',
        [rows[0]!.id, productId, price],
      );
      await writer.query('COMMIT');
      written.push({ id: rows[0]!.id, at: rows[0]!.created_at });
      result.writes++;
    } catch (e) {
      await writer.query('ROLLBACK').catch(() => undefined);
      // The stop's own ending of a write that still waited is counted as its wait, not an error.
      if (!ended && result.errors.length < 3) result.errors.push((e as Error).message);
    }
  };

  /** Who holds what the pending write waits for: their SQL, as pg_stat_activity shows it. */
  const lookAtBlockers = async (): Promise<void> => {
    const { rows } = await watcher.query<{ q: string }>(
      `SELECT left(coalesce(query, ''), 300) AS q FROM pg_stat_activity
       WHERE pid = ANY (pg_blocking_pids($1))`,
      [pid],
    );
    result.blockedBy = rows.map((r) => r.q);
  };

  const note = (began: number, ms: number, unfinished: boolean): void => {
    if (ms > result.slowest.ms) result.slowest = { ms, atMs: began - t0, unfinished };
  };

  // One write untimed: the session's first statements fill its caches, which no migration slows.
  await writeOnce();
  result.writes = 0;
  t0 = Date.now();
  const loop = (async () => {
    while (!stopping) {
      const began = Date.now();
      const done = writeOnce();
      pending = { began, done };
      let looked = false;
      for (;;) {
        const finished = await Promise.race([done.then(() => true), sleep(LOOK_AFTER_MS, false)]);
        if (finished) break;
        // Only the slowest write's blockers are kept: the one the report quotes.
        if (!looked && Date.now() - began > result.slowest.ms) {
          looked = true;
          await lookAtBlockers().catch(() => undefined);
        }
        if (stopping) return;
      }
      pending = undefined;
      note(began, Date.now() - began, false);
      await sleep(Math.max(0, EVERY_MS - (Date.now() - began)));
    }
  })();

  return {
    async stop() {
      stopping = true;
      await loop;
      const left = pending;
      if (left) {
        const finished = await Promise.race([
          left.done.then(() => true),
          sleep(Math.max(0, STOP_WAIT_MS - (Date.now() - left.began)), false),
        ]);
        note(left.began, Date.now() - left.began, !finished);
        if (!finished) {
          // The grader's own connection, ended from the server side: a lock wait never ends on its own.
          ended = true;
          await watcher.query('SELECT pg_terminate_backend($1)', [pid]).catch(() => undefined);
          await left.done.catch(() => undefined);
        }
      }
      result.durationMs = Date.now() - t0;
      await writer.end().catch(() => undefined);
      try {
        await mirror(withDatabase(ctx.admin.postgres!, GRADER_DB), written, customer, productId, price);
      } finally {
        await watcher.end();
      }
      return result;
    },
  };
}

/** The written orders into the grader's copy of the shop, with the ids and times they got. */
async function mirror(
  url: string,
  written: { id: string; at: Date }[],
  customer: number,
  productId: number,
  price: number,
): Promise<void> {
  if (!written.length) return;
  const own = new pg.Client({ connectionString: url });
  await own.connect();
  try {
    const ids = written.map((w) => w.id);
    await own.query(
      `INSERT INTO orders (id, customer_id, status, created_at)
       SELECT id, $2, 'placed', at FROM unnest($1::bigint[], $3::timestamptz[]) AS w(id, at)`,
      [ids, customer, written.map((w) => w.at)],
    );
    await own.query(
      `INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price_cents)
       SELECT id, 1, $2, 1, $3 FROM unnest($1::bigint[]) AS w(id)`,
      [ids, productId, price],
    );
  } finally {
    await own.end();
  }
}
