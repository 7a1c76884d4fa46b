import { adminClient } from './pg-admin.ts';

/** A statement seen waiting for a lock, at the longest its wait was seen. */
export interface LockWait {
  pid: number;
  /** The waiter's role and statement (the first 300 characters). */
  role: string;
  query: string;
  /** The relation waited on, schema-qualified (or the lock type, when not a relation), and the mode asked for. */
  target: string;
  mode: string;
  /** How long it had waited at the last sample that saw it (pg_locks.waitstart), in ms. */
  ms: number;
  /** The sessions it waited behind, as last seen. */
  blockers: { pid: number; role: string; query: string }[];
}

/** A lock that blocks writes, seen held from one sample to another. */
export interface HeldLock {
  pid: number;
  role: string;
  query: string;
  target: string;
  mode: string;
  /** From the first sample that saw it to the last (short of the truth by up to one interval). */
  ms: number;
}

/** What the sampler saw, and how often it looked. */
export interface LockSamples {
  waits: LockWait[];
  held: HeldLock[];
  samples: number;
  /** The longest time between two samples, in ms: what a wait or a hold could hide in. */
  maxGapMs: number;
}

/** A sampler of pg_locks running until stopped. */
export interface LockSampler {
  /** Stop sampling, and say what was seen. */
  stop(): Promise<LockSamples>;
}

// Relation locks that stop INSERT, UPDATE and DELETE (ROW EXCLUSIVE) from being granted.
const WRITE_BLOCKING = ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];
const QUERY_CHARS = 300;

const WAITING = `
  SELECT l.pid, a.usename AS role, left(a.query, ${QUERY_CHARS}) AS query, l.mode,
         coalesce(l.relation::regclass::text, l.locktype) AS target, l.waitstart::text AS since,
         extract(epoch FROM clock_timestamp() - l.waitstart)::float8 * 1000 AS ms,
         coalesce((SELECT json_agg(json_build_object('pid', b.pid, 'role', b.usename,
                                   'query', left(b.query, ${QUERY_CHARS})))
                     FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(l.pid))), '[]') AS blockers
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE NOT l.granted AND l.waitstart IS NOT NULL AND a.datname = current_database()`;

const HOLDING = `
  SELECT l.pid, a.usename AS role, left(a.query, ${QUERY_CHARS}) AS query, l.mode,
         l.relation::regclass::text AS target, l.virtualtransaction AS xact
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.granted AND l.locktype = 'relation' AND l.mode = ANY ($1)
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.pid <> pg_backend_pid()
     -- A relation this statement's snapshot cannot see is one its holder is creating: nobody else
     -- can reach it, so its lock blocks nobody. The index a concurrent build creates is one until
     -- the build's first commit, which can come after the snapshot and before the name is looked
     -- up (seen in CI: the lock reported with the index's name, for one sample).
     AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = l.relation)
     -- An index a concurrent build has not made ready yet is the build's own: no write inserts
     -- into it, and the build locks it only while it creates it (a commit already visible can
     -- still hold its locks for an instant), so a lock on it blocks no write of the table.
     AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = l.relation AND NOT i.indisready)`;

/**
 * Sample pg_locks of one database on an administrator's connection (never through a fault proxy)
 * every `intervalMs`: each statement that waited for a lock, and how long (Postgres's own
 * `waitstart`, so a wait is measured exactly once seen), and each lock held that blocks writes
 * (SHARE and stronger on a relation), from first sight to last. Roles and tables are the
 * grader's to judge: the sampler only reports.
 */
export async function sampleLocks(
  adminUrl: string,
  opts: { database: string; intervalMs?: number },
): Promise<LockSampler> {
  const client = await adminClient(adminUrl, { database: opts.database, applicationName: 'bc-lock-sampler' });
  let failure: Error | null = null;
  // A connection ended under it (the database dropped, the server gone) is reported by stop().
  client.on('error', (e) => {
    failure ??= e;
  });
  const interval = opts.intervalMs ?? 20;
  const waits = new Map<string, LockWait>();
  const held = new Map<string, HeldLock & { first: number }>();
  let samples = 0;
  let last = 0;
  let maxGapMs = 0;
  let stopped = false;

  const sample = async (): Promise<void> => {
    const w = await client.query(WAITING);
    const h = await client.query(HOLDING, [WRITE_BLOCKING]);
    const now = Date.now();
    if (last) maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    samples++;
    for (const { since, ...row } of w.rows as (LockWait & { since: string })[]) {
      // One wait of one session: the same session waiting again later is another wait.
      const key = `${row.pid}\0${row.target}\0${row.mode}\0${since}`;
      waits.set(key, { ...row, ms: Math.max(0, row.ms, waits.get(key)?.ms ?? 0) });
    }
    for (const { xact, ...row } of h.rows as (Omit<HeldLock, 'ms'> & { xact: string })[]) {
      // Held until its transaction ends: a step that takes the lock again later holds it anew.
      const key = `${xact}\0${row.target}\0${row.mode}`;
      const seen = held.get(key);
      held.set(key, {
        ...row,
        query: seen?.query ?? row.query,
        first: seen?.first ?? now,
        ms: now - (seen?.first ?? now),
      });
    }
  };

  const loop = (async () => {
    while (!stopped) {
      const t = Date.now();
      try {
        await sample();
      } catch (e) {
        failure ??= e as Error;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, interval - (Date.now() - t))));
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      await client.end().catch(() => {});
      // A sampler that stopped seeing is not a sampler that saw nothing: the grader must not pass
      // a migration on no evidence.
      if (failure) throw new Error(`the lock sampler stopped after ${samples} samples: ${failure.message}`);
      return {
        waits: [...waits.values()].sort((a, b) => b.ms - a.ms),
        held: [...held.values()].map(({ first: _, ...l }) => l).sort((a, b) => b.ms - a.ms),
        samples,
        maxGapMs,
      };
    },
  };
}
