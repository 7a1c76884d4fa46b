import pg from 'pg';

// Settings a connection sends at start-up outrank the database's own (`ALTER DATABASE … SET`),
// which the candidate may set, owning the database. With pg_catalog alone on the path, a view,
// function or operator of the candidate's named like a catalog's (`public.pg_locks`, or a
// `pg_blocking_pids(text)` that beats the real one for an untyped parameter) is never found; the
// role is the one logged in (`SET role` at the database level would demote it); dates read as ISO.
const PINNED = '-c search_path=pg_catalog -c role=none -c DateStyle=ISO,YMD';

/**
 * An administrator's connection to a database the candidate owns, for catalogs and server
 * statistics only (the candidate's tables may be views calling its functions: read them as a role
 * of the grader's own). The database's settings cannot steer what its queries name.
 */
export async function adminClient(
  adminUrl: string,
  opts: { database?: string; applicationName?: string } = {},
): Promise<pg.Client> {
  const url = new URL(adminUrl);
  if (opts.database !== undefined) url.pathname = `/${encodeURIComponent(opts.database)}`;
  // In the URL, since a connection string's options outrank a client config's.
  url.searchParams.set('options', PINNED);
  const client = new pg.Client({
    connectionString: url.toString(),
    ...(opts.applicationName ? { application_name: opts.applicationName } : {}),
  });
  await client.connect();
  return client;
}
