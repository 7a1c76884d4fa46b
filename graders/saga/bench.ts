import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@bc/harness';
import { hasTaskset, loadOnCore1, prepareCopy, startOnCore0, waitUp } from '@bc/harness/bench';
import { startLocalPostgres } from '@bc/harness/provision/postgres';
import { HttpStub } from '@bc/harness/stub';
import { table } from '@bc/harness/util';
import pg from 'pg';
import inventory from './stubs/inventory.ts';
import payment from './stubs/payment.ts';
import shipping from './stubs/shipping.ts';
import { compareSagas, sagaRound } from './test/steps/load.ts';

const require = createRequire(import.meta.url);

/** Rows inserted and updated in the database so far (the durable writes sagas made). */
async function writes(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // Statistics are flushed at the end of transactions, with a short delay.
    await new Promise((r) => setTimeout(r, 1_000));
    const { rows } = await c.query<{ n: string }>(
      'SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) AS n FROM pg_stat_user_tables',
    );
    return Number(rows[0]!.n);
  } finally {
    await c.end();
  }
}

/**
 * `pnpm bench saga`: orders placed non-stop (16 clients) with fast downstream services, sagas per
 * second and p99 time to final of the reference against the calibration service, alternating
 * rounds in one run; then the durable writes each saga cost.
 */
export default async function benchSaga(opts: { rounds: number; seconds: number; connections: number }) {
  const graderDir = join(REPO_ROOT, 'graders', 'saga');
  loadOnCore1();
  const ctx = {
    runDir: mkdtempSync(join(tmpdir(), 'bc-bench-')),
    markerEnv: { BC_GRADE_RUN: `bench-${process.pid}` },
  };
  const db = await startLocalPostgres(ctx);
  const stubs = [
    new HttpStub('inventory', inventory({ seed: 1 })),
    new HttpStub('payment', payment({ seed: 1 })),
    new HttpStub('shipping', shipping({ seed: 1 })),
  ];
  const children: ChildProcess[] = [];
  try {
    const [inv, pay, ship] = await Promise.all(stubs.map((s) => s.listen()));
    const env = {
      ...process.env,
      ...ctx.markerEnv,
      DATABASE_URL: db.url,
      INVENTORY_URL: inv,
      PAYMENT_URL: pay,
      SHIPPING_URL: ship,
      NODE_ENV: 'production',
    };
    const reference = await prepareCopy(join(graderDir, 'reference'), join(ctx.runDir, 'reference'));
    const refUrl = startOnCore0(children, 18471, process.execPath, ['dist/server.js'], reference, env);
    const baseUrl = startOnCore0(
      children,
      18472,
      process.execPath,
      ['--import', require.resolve('tsx'), join(graderDir, 'baselines', 'calibration.ts')],
      REPO_ROOT,
      env,
    );
    await Promise.all([waitUp(`${refUrl}/healthz`, 20_000), waitUp(`${baseUrl}/healthz`, 20_000)]);

    const c = await compareSagas(refUrl, baseUrl, {
      rounds: opts.rounds,
      seconds: opts.seconds,
      clients: opts.connections,
    });
    const rows = c.rounds.map((r, i) => [
      `round ${i + 1}`,
      r.baseline.perSec.toFixed(1),
      r.baseline.p99.toFixed(0),
      r.candidate.perSec.toFixed(1),
      r.candidate.p99.toFixed(0),
      (r.candidate.perSec / r.baseline.perSec).toFixed(2),
      (r.candidate.p99 / r.baseline.p99).toFixed(2),
    ]);
    rows.push([
      'median',
      c.baseline.perSec.toFixed(1),
      c.baseline.p99.toFixed(0),
      c.candidate.perSec.toFixed(1),
      c.candidate.p99.toFixed(0),
      c.throughputRatio.toFixed(2),
      c.p99Ratio.toFixed(2),
    ]);

    // Durable writes per saga of the reference alone: a fresh batch with nothing else running.
    const before = await writes(db.url);
    const batch = await sagaRound(refUrl, opts.seconds, opts.connections, 'durability');
    const after = await writes(db.url);
    const sagas = batch.completed;
    process.stdout.write(
      `orders placed non-stop, ${opts.connections} clients, fast services (medians of ${opts.rounds} alternating rounds of ${opts.seconds} s${hasTaskset ? ', servers on core 0, load on core 1' : ''}):\n` +
        `${table(['', 'calibration sagas/s', 'p99 ms', 'reference sagas/s', 'p99 ms', 'rate ratio', 'p99 ratio'], rows)}\n` +
        'the grader gives full marks at ≥ 0.5× the rate and ≤ 3× the p99, none at ≤ 0.15× and ≥ 10×\n\n' +
        `durability: ${((after - before) / Math.max(1, sagas)).toFixed(1)} rows written per saga by the reference (3 steps; the calibration writes 1 per step and 1 at the start)\n`,
    );
    if (c.failed) process.stdout.write(`${c.failed} orders of the reference failed or timed out\n`);
  } finally {
    for (const ch of children) ch.kill('SIGKILL');
    await Promise.all(stubs.map((s) => s.close()));
    await db.stop();
    rmSync(ctx.runDir, { recursive: true, force: true });
  }
}
