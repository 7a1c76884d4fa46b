import { randomBytes } from 'node:crypto';
import { adminClient } from '@bc/harness/kit/pg-admin';

/** A table of the candidate's read by the session holding an ACCESS EXCLUSIVE lock on it (README R7). */
export interface ReadUnderLock {
  pid: number;
  /** The holder's statement when it was seen reading (the first 300 characters). */
  query: string;
  target: string;
  /** Samples that saw one of the table's pages pinned while the lock was held before and after. */
  samples: number;
}

/** A watcher of reads under an exclusive lock, running until stopped. */
export interface ReadsUnderLockWatcher {
  stop(): Promise<ReadUnderLock[]>;
}

const EVERY_MS = 20;

// Exclusive locks of the role on tables of the database, with the file the table's pages are in.
// A table its holder is still creating is invisible here (no pg_class row yet): nobody else can
// reach it, so reading it blocks nobody.
const HELD = `
  SELECT l.pid, l.virtualtransaction AS xact, l.relation::regclass::text AS target,
         pg_relation_filenode(l.relation)::text AS node, left(a.query, 300) AS query
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.granted AND l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND a.usename = $1
     AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = l.relation AND c.relkind IN ('r', 'm', 'p'))`;

// Pages of those files pinned by some backend at this instant.
const pinned = (schema: string) => `
  SELECT DISTINCT relfilenode::text AS node FROM ${schema}.pg_buffercache
   WHERE reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND relforknumber = 0 AND pinning_backends > 0 AND relfilenode::text = ANY ($1)`;

/**
 * Watches for R7's "a lock that blocks writes while the table is read", by what Postgres shows
 * rather than by how long a request happened to wait: a session of `role` holds ACCESS EXCLUSIVE
 * on a table, a page of that table is pinned, and the same lock of the same transaction is still
 * held after. Nobody else can touch a table so locked (autovacuum included: it is not `role`), so
 * the pin is the holder's own: SET NOT NULL with no proven check scanning every row, a CHECK added
 * without NOT VALID, a rewrite. What proves NOT NULL or a check from the catalogs reads no page.
 * A scan of 2,000,000 rows lasts about as long as R5's 200 ms: judged by the waits it caused, the
 * scan escaped on some seeds.
 */
export async function watchReadsUnderLock(
  adminUrl: string,
  opts: { database: string; role: string },
): Promise<ReadsUnderLockWatcher> {
  const client = await adminClient(adminUrl, {
    database: opts.database,
    applicationName: 'grader: reads under exclusive locks',
  });
  let failure: Error | null = null;
  client.on('error', (e) => {
    failure ??= e;
  });
  // pg_buffercache in a schema of the administrator's, named at random (the candidate cannot have
  // made it first), with no right for anyone else, and gone with the database. The server's other
  // databases are left alone: with a server of the operator's (DATABASE_URL) they outlive the run.
  const schema = `bc_grader_${randomBytes(6).toString('hex')}`;
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
  await client.query(`CREATE EXTENSION pg_buffercache SCHEMA ${schema}`);
  const PINNED = pinned(schema);
  const seen = new Map<string, ReadUnderLock>();
  let stopped = false;
  type Held = { pid: number; xact: string; target: string; node: string; query: string };
  const held = async () => (await client.query<Held>(HELD, [opts.role])).rows;
  const sample = async (): Promise<void> => {
    const before = await held();
    if (!before.length) return;
    const { rows } = await client.query<{ node: string }>(PINNED, [before.map((h) => h.node)]);
    if (!rows.length) return;
    const after = await held();
    for (const h of before) {
      if (!rows.some((r) => r.node === h.node)) continue;
      if (!after.some((a) => a.xact === h.xact && a.target === h.target && a.node === h.node)) continue;
      const key = `${h.xact}\0${h.target}`;
      const s = seen.get(key);
      seen.set(key, {
        pid: h.pid,
        query: s?.query ?? h.query,
        target: h.target,
        samples: (s?.samples ?? 0) + 1,
      });
    }
  };
  const loop = (async () => {
    while (!stopped) {
      const t = performance.now();
      try {
        await sample();
      } catch (e) {
        failure ??= e as Error;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, EVERY_MS - (performance.now() - t))));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await client.query(`DROP SCHEMA ${schema} CASCADE`).catch((e: Error) => {
        failure ??= e;
      });
      await client.end().catch(() => {});
      // A watcher that stopped looking saw nothing, which is no evidence of nothing.
      if (failure) throw new Error(`the watch for reads under an exclusive lock stopped: ${failure.message}`);
      return [...seen.values()].sort((a, b) => b.samples - a.samples);
    },
  };
}
