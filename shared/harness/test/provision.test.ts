import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { startLocalPostgres } from '../src/provision/local-postgres.ts';
import { startLocalRedis } from '../src/provision/local-redis.ts';
import { providerOf } from '../src/provision/registry.ts';
import { pidsWithEnvMarker } from '../src/supervisor/proc.ts';

const ctx = (marker: string) => ({ runDir: '/var/tmp', markerEnv: { BC_GRADE_RUN: marker } });

describe('local provisioning', () => {
  test('when two Postgres servers are provisioned, then each is a separate, writable cluster and leaves nothing behind', async () => {
    const [a, b] = await Promise.all([startLocalPostgres(ctx('pg-a')), startLocalPostgres(ctx('pg-b'))]);
    try {
      expect(a.port).not.toBe(b.port);
      const ca = new pg.Client({ connectionString: a.url });
      const cb = new pg.Client({ connectionString: b.url });
      await Promise.all([ca.connect(), cb.connect()]);
      await ca.query('CREATE TABLE t (x int)');
      const other = await cb.query("SELECT to_regclass('public.t') AS t");
      expect(other.rows[0].t).toBeNull();
      await Promise.all([ca.end(), cb.end()]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(pidsWithEnvMarker('BC_GRADE_RUN=pg-a')).toEqual([]);
    expect(pidsWithEnvMarker('BC_GRADE_RUN=pg-b')).toEqual([]);
  });

  test('when a grader needs Postgres settings, then its server has them, and one from DATABASE_URL without them is refused', async () => {
    const settings = { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' };
    const withThem = await startLocalPostgres({ ...ctx('pg-settings'), postgresSettings: settings });
    const plain = await startLocalPostgres(ctx('pg-plain'));
    try {
      const c = new pg.Client({ connectionString: withThem.adminUrl });
      await c.connect();
      await c.query('CREATE EXTENSION pg_stat_statements');
      const { rows } = await c.query("SELECT current_setting('pg_stat_statements.track') AS track");
      expect(rows[0].track).toBe('all');
      expect((await c.query('SELECT count(*) FROM pg_stat_statements')).rowCount).toBe(1);
      await c.end();
      // The run's own role (the candidate's) can neither stop nor reset the counting a grader reads.
      const tenant = new pg.Client({ connectionString: withThem.url });
      await tenant.connect();
      for (const q of [
        'SELECT pg_stat_statements_reset()',
        "SET pg_stat_statements.track = 'none'",
        "ALTER SYSTEM SET pg_stat_statements.track = 'none'",
        'CREATE EXTENSION dblink',
      ])
        await expect(tenant.query(q), q).rejects.toThrow(/permission denied/);
      await tenant.end();
      // The same settings asked of a server the harness did not start: refused, naming the setting.
      const refusal = providerOf('postgres')
        .fromEnv(plain.adminUrl!, { ...ctx('pg-env'), postgresSettings: settings })
        .then(() => 'accepted');
      await expect(refusal).rejects.toThrow(
        /needs the Postgres setting shared_preload_libraries = 'pg_stat_statements'/,
      );
      const accepted = await providerOf('postgres').fromEnv(withThem.adminUrl!, {
        ...ctx('pg-env2'),
        postgresSettings: settings,
      });
      await accepted.stop();
    } finally {
      await Promise.all([withThem.stop(), plain.stop()]);
    }
  });

  test('when Redis is provisioned, then it answers, is empty, and is gone after stop', async () => {
    const r = await startLocalRedis(ctx('redis-a'));
    // The final sweep finds processes by this marker: Redis must not hide it.
    expect(pidsWithEnvMarker('BC_GRADE_RUN=redis-a')).toHaveLength(1);
    const client = new Redis(r.url);
    expect(await client.dbsize()).toBe(0);
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    client.disconnect();
    await r.stop();
    expect(pidsWithEnvMarker('BC_GRADE_RUN=redis-a')).toEqual([]);
  });
});
