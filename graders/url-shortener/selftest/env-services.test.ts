import { grade } from '@bc/harness';
import { startLocalPostgres } from '@bc/harness/provision/postgres';
import { startLocalRedis } from '@bc/harness/provision/redis';
import { graderLayout } from '@bc/harness/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const { alternativeDir, graderDir } = graderLayout('url-shortener');

// Servers of our own, handed over as if they were a team's: the test must not lean on whatever
// the machine happens to run.
let postgres: Awaited<ReturnType<typeof startLocalPostgres>>;
let redis: Awaited<ReturnType<typeof startLocalRedis>>;
const saved = { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL };

beforeAll(async () => {
  const ctx = { runDir: '/var/tmp', markerEnv: { BC_GRADE_RUN: `env-test-${process.pid}` } };
  [postgres, redis] = await Promise.all([startLocalPostgres(ctx), startLocalRedis(ctx)]);
  // The administrator's URLs, as a team hands them over: the harness makes a role and user per run.
  process.env.DATABASE_URL = postgres.adminUrl;
  process.env.REDIS_URL = redis.adminUrl;
});

afterAll(async () => {
  process.env.DATABASE_URL = saved.DATABASE_URL;
  process.env.REDIS_URL = saved.REDIS_URL;
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

describe('services from DATABASE_URL and REDIS_URL', () => {
  test('when env URLs answer, then auto uses them, every graded item passes and its database is dropped', async () => {
    // Every capability but the load test: what matters here is where the services come from.
    const r = await grade({
      challenge: 'url-shortener',
      submission: alternativeDir,
      graderDir,
      seed: 21,
      only: ['correctness', 'robustness', 'security', 'resilience'],
    });
    expect(r.services.postgres).toMatch(/DATABASE_URL/);
    expect(r.services.redis).toMatch(/REDIS_URL/);
    expect(r.sandbox.network).toBe('host');
    expect(r.tests.filter((t) => t.status !== 'passed').map((t) => `${t.id}: ${t.output}`)).toEqual([]);
    const c = new pg.Client({ connectionString: postgres.adminUrl });
    await c.connect();
    const dbs = await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'bc\\_%'");
    await c.end();
    expect(dbs.rows).toEqual([]);
  });
});
