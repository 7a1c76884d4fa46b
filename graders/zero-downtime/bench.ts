import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@bc/harness';
import { prepareCopy } from '@bc/harness/bench';
import { adminClient } from '@bc/harness/kit/pg-admin';
import { sampleLocks } from '@bc/harness/kit/pg-locks';
import { startLocalPostgres } from '@bc/harness/provision/postgres';
import { table } from '@bc/harness/util';
import pg from 'pg';
import { ROWS, seedAccounts } from './test/steps/data.ts';

const SEED = 1;
const STEPS = ['expand', 'backfill', 'contract'] as const;
/** README R5 and R6. */
const LOCK_WAIT_MS = 200;

/** What one step cost the table's other users. */
interface StepCost {
  seconds: number;
  code: number | null;
  writes: number;
  longestWriteMs: number;
  slowWrites: number;
  longestWaitMs: number;
  largestTransaction: number;
}

// A spread of a step's hundreds of thousands of write times overflows the call stack.
const largest = (xs: number[]): number => xs.reduce((m, x) => Math.max(m, x), 0);

const withDatabase = (url: string, database: string): string => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

/** Single-row writes, one after another, until stopped: each one's time is what a request would wait. */
function writer(url: string): { stop(): Promise<number[]> } {
  const times: number[] = [];
  let stopped = false;
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  const done = (async () => {
    await c.connect();
    for (let k = 0; !stopped; k++) {
      const t = performance.now();
      await c.query('UPDATE accounts SET updated_at = now() WHERE id = $1', [
        20_000 + ((k * 7919) % 1_000_000),
      ]);
      times.push(performance.now() - t);
    }
    await c.end();
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return times;
    },
  };
}

/** Run `step` of the built submission in `dir` while a writer works, and measure what it cost. */
async function runStep(
  dir: string,
  url: string,
  adminUrl: string,
  database: string,
  step: string,
): Promise<StepCost> {
  // The bench runs only our own starter and reference, but reads as the grader does.
  const admin = await adminClient(adminUrl, { database });
  try {
    const xid = (await admin.query<{ x: string }>('SELECT txid_current()::text AS x')).rows[0]!.x;
    const sampler = await sampleLocks(adminUrl, { database });
    const w = writer(url);
    const t0 = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['dist/server.js'], {
        cwd: dir,
        env: { ...process.env, DATABASE_URL: url, MIGRATION_STEP: step, APP_VERSION: '2' },
        stdio: 'ignore',
      });
      child.on('exit', (c) => resolve(c));
    });
    const seconds = (Date.now() - t0) / 1000;
    const times = await w.stop();
    const locks = await sampler.stop();
    // Rows written since the step began, by the transaction that wrote them: the writer's are one each.
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM public.accounts WHERE xmin::text::bigint > ($1::bigint % 4294967296)
        GROUP BY xmin::text ORDER BY 1 DESC LIMIT 1`,
      [xid],
    );
    return {
      seconds,
      code,
      writes: times.length,
      longestWriteMs: largest(times),
      slowWrites: times.filter((t) => t > LOCK_WAIT_MS).length,
      longestWaitMs: largest(locks.waits.map((x) => x.ms)),
      largestTransaction: rows[0]?.n ?? 0,
    };
  } finally {
    await admin.end();
  }
}

/**
 * `pnpm bench zero-downtime`: seeding time; then the starter's and the reference's steps, each on
 * its own copy of the same rows, in the README's order, while a writer changes one row at a time:
 * each step's time, the writer's longest write and how many took over 200 ms, the longest lock
 * wait Postgres reported, and the most rows one transaction wrote.
 */
export default async function benchZeroDowntime() {
  const ctx = {
    runDir: mkdtempSync(join(tmpdir(), 'bc-bench-')),
    markerEnv: { BC_GRADE_RUN: `bench-${process.pid}` },
  };
  const server = await startLocalPostgres(ctx);
  let admin: pg.Client | undefined;
  try {
    const t0 = Date.now();
    await seedAccounts(server.url, SEED, ROWS);
    const seedMs = Date.now() - t0;
    admin = await adminClient(server.adminUrl!);
    const owner = decodeURIComponent(new URL(server.url).username);
    const main = decodeURIComponent(new URL(server.url).pathname.slice(1));
    await admin.query(`CREATE DATABASE starter TEMPLATE ${main} STRATEGY FILE_COPY OWNER ${owner}`);
    const subjects = [
      {
        name: 'starter',
        dir: await prepareCopy(join(REPO_ROOT, 'challenges', 'zero-downtime'), join(ctx.runDir, 'starter')),
        database: 'starter',
      },
      {
        name: 'reference',
        dir: await prepareCopy(
          join(REPO_ROOT, 'graders', 'zero-downtime', 'reference'),
          join(ctx.runDir, 'reference'),
        ),
        database: main,
      },
    ];
    const costs = new Map<string, StepCost[]>();
    for (const s of subjects) {
      const url = withDatabase(server.url, s.database);
      const per: StepCost[] = [];
      for (const step of STEPS) per.push(await runStep(s.dir, url, server.adminUrl!, s.database, step));
      costs.set(s.name, per);
    }
    const pair = (f: (c: StepCost) => string, i: number) =>
      `${f(costs.get('starter')![i]!)} / ${f(costs.get('reference')![i]!)}`;
    const rows = STEPS.map((step, i) => [
      step,
      pair((c) => `${c.seconds.toFixed(1)}${c.code === 0 ? '' : ` (exit ${c.code})`}`, i),
      pair((c) => String(c.writes), i),
      pair((c) => c.longestWriteMs.toFixed(0), i),
      pair((c) => String(c.slowWrites), i),
      pair((c) => c.longestWaitMs.toFixed(0), i),
      pair((c) => c.largestTransaction.toLocaleString('en'), i),
    ]);
    process.stdout.write(
      `seeding ${ROWS.toLocaleString('en')} accounts: ${(seedMs / 1000).toFixed(1)} s\n\n` +
        `${table(['step (starter / reference)', 'seconds', 'writes', 'longest write ms', `writes > ${LOCK_WAIT_MS} ms`, 'longest lock wait ms', 'largest transaction (rows)'], rows)}\n` +
        `one writer updating one row at a time throughout; README R5 allows no wait over ${LOCK_WAIT_MS} ms, R6 no transaction over 1,000 rows\n`,
    );
  } finally {
    await admin?.end().catch(() => {});
    await server.stop();
    rmSync(ctx.runDir, { recursive: true, force: true });
  }
}
