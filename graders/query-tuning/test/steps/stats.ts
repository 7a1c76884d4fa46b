import { control, type Exchange, grading } from '@bc/harness/kit';
import { sql } from './oracle.ts';
import { type Work, workBetween, workTotals } from './pg-work.ts';

export type { Work } from './pg-work.ts';

/** The candidate's database and role, as its DATABASE_URL names them. */
function candidateAccount(): { database: string; role: string } {
  const u = new URL(grading().env.DATABASE_URL!);
  return { database: decodeURIComponent(u.pathname.slice(1)), role: decodeURIComponent(u.username) };
}

/** Totals so far of every statement the candidate's role ran in its database. */
function totals(): Promise<Work> {
  const { database, role } = candidateAccount();
  return workTotals(sql, database, role);
}

/**
 * Whether the session has declared instance `i` hung (it left requests unanswered and its
 * GET /healthz did not answer since): every request to it fails at once (README).
 */
export async function declaredHung(i: number): Promise<boolean> {
  const { id } = grading().instances[i]!;
  return (await control.instances()).some((s) => s.id === id && s.hung);
}

/**
 * The database work of one request: the counters before and after it, with nothing else of the
 * grader's in flight (the service's own background work, if any, counts too: README R6).
 */
export async function workOf(send: () => Promise<Exchange>): Promise<{ ex: Exchange; work: Work }> {
  const before = await totals();
  const ex = await send();
  const after = await totals();
  return { ex, work: workBetween(before, after) };
}

/**
 * Waits (up to `maxMs`) until no statement of the candidate's role is running: a load test whose
 * requests timed out leaves their queries running in the database, and the next measurement must
 * not pay for them. Returns how many were still running at the end.
 */
export async function databaseSettled(maxMs = 20_000): Promise<number> {
  const { database, role } = candidateAccount();
  const deadline = Date.now() + maxMs;
  // Quiet for half a second on end: a pool between two queued queries is idle for a moment.
  let quietSince: number | null = null;
  for (;;) {
    const [row] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND usename = $2 AND state = 'active'`,
      [database, role],
    );
    const now = Date.now();
    quietSince = row!.n === 0 ? (quietSince ?? now) : null;
    if (quietSince !== null && now - quietSince >= 500) return 0;
    if (now >= deadline) return row!.n;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The database quiet before a measurement: the candidate's statements finished, or, when they
 * have not within 10 s (a pool's queue of requests the load test gave up on), its instances
 * restarted and their last statements waited out. `restart` restarts them in any case: after a
 * load test that left requests unanswered, the next measurement ran 2× slower than the same
 * requests measured alone in 3 of 5 runs, even with the database quiet, and never after a
 * restart. Each measurement pays only for itself. Returns whether the instances were restarted.
 */
export async function quietDatabase(restart = false): Promise<boolean> {
  // Every measurement goes through instance a; declared hung, it fails each request at once: no
  // measurement to keep quiet for (waiting cost a hanging submission 6 s of its minute).
  if (await declaredHung(0)) return false;
  if (!restart && (await databaseSettled(10_000)) === 0) return false;
  for (const { id } of grading().instances) await control.restart(id, 'SIGKILL');
  await databaseSettled(20_000);
  return true;
}
