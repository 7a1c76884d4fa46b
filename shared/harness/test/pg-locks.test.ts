import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sampleLocks } from '../src/kit/pg-locks.ts';
import { startLocalPostgres } from '../src/provision/local-postgres.ts';
import type { RunningService } from '../src/provision/types.ts';

let server: RunningService;
const clients: pg.Client[] = [];
const connect = async (): Promise<pg.Client> => {
  const c = new pg.Client({ connectionString: server.adminUrl! });
  await c.connect();
  clients.push(c);
  return c;
};

beforeAll(async () => {
  server = await startLocalPostgres({ runDir: '/var/tmp', markerEnv: { BC_GRADE_RUN: 'pg-locks-test' } });
  const c = await connect();
  await c.query('CREATE TABLE accounts (id int PRIMARY KEY, name text)');
  await c.query("INSERT INTO accounts SELECT g, 'n' || g FROM generate_series(1, 50000) g");
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
  await server?.stop();
});

const database = (): string => decodeURIComponent(new URL(server.adminUrl!).pathname.slice(1));

/** Inserts one row at a time until `stop`, as a service's writes would. */
function writer(c: pg.Client, from: number): { stop: () => Promise<number> } {
  let stopped = false;
  let n = 0;
  const done = (async () => {
    while (!stopped) {
      await c.query('INSERT INTO accounts VALUES ($1, $2)', [from + n, 'w']);
      n++;
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
      return n;
    },
  };
}

describe('the lock sampler', () => {
  test('when a migration holds an exclusive lock while writes go on, then it sees each write wait, how long, and behind what', async () => {
    const [migration, app] = [await connect(), await connect()];
    const sampler = await sampleLocks(server.adminUrl!, { database: database() });
    await migration.query('BEGIN');
    await migration.query('ALTER TABLE accounts ADD COLUMN first_name text');
    const w = writer(app, 1_000_000);
    // 1.5 s, not 0.6: at nice 19 beside the graders the sampler took 7 and 9 samples in 0.6 s
    // (ci84, ci87), where the rate below is about what it does when it gets a core.
    await sleep(1_500);
    await migration.query('COMMIT');
    const written = await w.stop();
    const seen = await sampler.stop();

    expect(written).toBeGreaterThan(0);
    const wait = seen.waits.find((x) => x.query.startsWith('INSERT INTO accounts'));
    expect(wait, JSON.stringify(seen.waits)).toBeDefined();
    expect(wait!.target).toBe('public.accounts');
    expect(wait!.mode).toBe('RowExclusiveLock');
    expect(wait!.ms).toBeGreaterThan(400);
    expect(wait!.ms).toBeLessThan(3_000);
    expect(wait!.blockers.map((b) => b.query)).toEqual([expect.stringMatching(/ALTER TABLE accounts/)]);
    const held = seen.held.find((h) => h.target === 'public.accounts' && h.mode === 'AccessExclusiveLock');
    expect(held?.ms).toBeGreaterThan(400);
    expect(seen.samples).toBeGreaterThan(10);
    expect(seen.maxGapMs).toBeLessThan(500);
  });

  test('when an index is built concurrently while writes go on, then no write waits long and no lock that blocks writes is held', async () => {
    const [migration, app] = [await connect(), await connect()];
    const sampler = await sampleLocks(server.adminUrl!, { database: database() });
    const w = writer(app, 2_000_000);
    await migration.query('CREATE INDEX CONCURRENTLY accounts_name ON accounts (name)');
    await sleep(100);
    const written = await w.stop();
    const seen = await sampler.stop();

    expect(written).toBeGreaterThan(0);
    const writes = seen.waits.filter((x) => x.query.startsWith('INSERT'));
    expect(
      writes.filter((x) => x.ms > 200),
      JSON.stringify(writes),
    ).toEqual([]);
    expect(seen.held, JSON.stringify(seen.held)).toEqual([]);
  });

  test('when a migration creates a table and its index in a transaction not yet committed, then their locks are not reported: nobody else can reach them', async () => {
    // What a concurrent index build is until its first commit, held open here: CI saw the build's
    // lock on the index it was creating reported for one sample, the snapshot taken before that
    // commit and the name looked up after it.
    const migration = await connect();
    const sampler = await sampleLocks(server.adminUrl!, { database: database() });
    await migration.query('BEGIN');
    await migration.query('CREATE TABLE accounts_next (id bigint PRIMARY KEY, name text)');
    await migration.query('CREATE INDEX accounts_next_name ON accounts_next (name)');
    await sleep(300);
    await migration.query('ROLLBACK');
    const seen = await sampler.stop();

    expect(seen.samples).toBeGreaterThan(2);
    expect(seen.held, JSON.stringify(seen.held)).toEqual([]);
  });

  test('when the database goes away while sampling, then stop says so rather than report nothing seen', async () => {
    const admin = await connect();
    await admin.query('CREATE DATABASE doomed');
    const sampler = await sampleLocks(server.adminUrl!, { database: 'doomed', intervalMs: 10 });
    await sleep(50);
    await admin.query('DROP DATABASE doomed WITH (FORCE)');
    await expect(sampler.stop()).rejects.toThrow(/the lock sampler stopped after \d+ samples/);
  });
});
