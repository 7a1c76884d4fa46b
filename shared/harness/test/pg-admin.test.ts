import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminClient } from '../src/kit/pg-admin.ts';
import { sampleLocks } from '../src/kit/pg-locks.ts';
import { startLocalPostgres } from '../src/provision/local-postgres.ts';
import type { RunningService } from '../src/provision/types.ts';

// The candidate owns its database: it may set what every new session there starts with, and name
// its own objects like the catalogs'. A superuser's session that took those settings would run
// the candidate's functions with superuser rights (COPY … TO PROGRAM: outside the sandbox).

let server: RunningService;
let candidate: pg.Client;
const opened: pg.Client[] = [];

/** Who ran the candidate's canary function, in order (read as the candidate). */
const canaryRuns = async (): Promise<string[]> =>
  (await candidate.query<{ who: string }>('SELECT who FROM ran ORDER BY n')).rows.map((r) => r.who);

beforeAll(async () => {
  server = await startLocalPostgres({ runDir: '/var/tmp', markerEnv: { BC_GRADE_RUN: 'pg-admin-test' } });
  candidate = new pg.Client({ connectionString: server.url });
  await candidate.connect();
  await candidate.query(`
    CREATE TABLE ran (n serial, who text);
    CREATE FUNCTION canary() RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO public.ran (who) VALUES (current_user); RETURN true; END $$;
    CREATE VIEW pg_locks AS SELECT l.* FROM pg_catalog.pg_locks l WHERE public.canary();
    CREATE VIEW pg_stat_activity AS SELECT a.* FROM pg_catalog.pg_stat_activity a WHERE public.canary();
    CREATE VIEW pg_index AS SELECT i.* FROM pg_catalog.pg_index i WHERE public.canary();
    CREATE FUNCTION pg_blocking_pids(text) RETURNS int[] LANGUAGE plpgsql AS $$
      BEGIN PERFORM public.canary(); RETURN '{}'; END $$;
    ALTER DATABASE app SET search_path = public, pg_catalog;
    ALTER DATABASE app SET DateStyle = 'SQL, DMY';
  `);
});
afterAll(async () => {
  await Promise.all([candidate, ...opened].map((c) => c?.end().catch(() => {})));
  await server?.stop();
});

describe("an administrator's connection to the candidate's database", () => {
  test('when the candidate shadows the catalogs and sets the database search_path, then a plain superuser session runs its function, and adminClient and the lock sampler never do', async () => {
    // The attack is real: a superuser session that takes the database's settings runs it.
    const plain = new pg.Client({ connectionString: server.adminUrl });
    opened.push(plain);
    await plain.connect();
    await plain.query('SELECT count(*) FROM pg_locks');
    const before = await canaryRuns();
    expect(before.length).toBeGreaterThan(0);
    expect(new Set(before)).toEqual(new Set(['postgres']));

    const admin = await adminClient(server.adminUrl!, { applicationName: 'pg-admin-test' });
    opened.push(admin);
    const { rows } = await admin.query(
      `SELECT current_setting('search_path') AS path, current_setting('DateStyle') AS style,
              (SELECT count(*) FROM pg_locks) >= 0 AS locks, pg_blocking_pids($1) AS pids`,
      [String(process.pid)],
    );
    expect(rows[0]).toEqual({ path: 'pg_catalog', style: 'ISO, YMD', locks: true, pids: [] });

    const sampler = await sampleLocks(server.adminUrl!, { database: 'app' });
    await new Promise((r) => setTimeout(r, 200));
    const seen = await sampler.stop();
    expect(seen.samples).toBeGreaterThan(2);
    expect(await canaryRuns()).toEqual(before);
  });

  test('when the candidate sets the database role to its own, then adminClient still runs as the administrator', async () => {
    await candidate.query('ALTER DATABASE app SET role = app');
    const plain = new pg.Client({ connectionString: server.adminUrl });
    opened.push(plain);
    await plain.connect();
    expect((await plain.query('SELECT current_user AS u')).rows[0].u).toBe('app');
    const admin = await adminClient(server.adminUrl!);
    opened.push(admin);
    expect((await admin.query('SELECT current_user AS u')).rows[0].u).toBe('postgres');
  });
});
