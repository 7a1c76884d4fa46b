/** What a service's database work added up to, as pg_stat_statements counts it. */
export interface Work {
  /** Statements executed, nested ones (inside functions) included, BEGIN and COMMIT too. */
  statements: number;
  /** 8 KB pages read (shared buffers hit + read), as EXPLAIN (ANALYZE, BUFFERS) counts them. */
  pages: number;
  /** Rows the statements sent to the service (nested statements' rows stay in the database). */
  rows: number;
}

/** Runs one query as an administrator (a pg client's, or the grader's `sql`). */
type AdminQuery = (text: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Totals so far of every statement run in `database` (by `role` alone, when given), from
 * pg_stat_statements with track = all. Shared by the grader and `pnpm bench query-tuning`.
 */
export async function workTotals(query: AdminQuery, database: string, role?: string): Promise<Work> {
  const [row] = await query(
    `SELECT coalesce(sum(calls), 0) AS statements,
            coalesce(sum(shared_blks_hit + shared_blks_read) FILTER (WHERE toplevel), 0) AS pages,
            coalesce(sum(rows) FILTER (WHERE toplevel), 0) AS rows
     FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)
       AND ($2::text IS NULL OR userid = (SELECT oid FROM pg_roles WHERE rolname = $2))`,
    [database, role ?? null],
  );
  return { statements: Number(row!.statements), pages: Number(row!.pages), rows: Number(row!.rows) };
}

/** The work done between two totals. */
export const workBetween = (before: Work, after: Work): Work => ({
  statements: after.statements - before.statements,
  pages: after.pages - before.pages,
  rows: after.rows - before.rows,
});
