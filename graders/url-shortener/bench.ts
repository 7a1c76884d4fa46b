import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@bc/harness';
import { hasTaskset, loadOnCore1, onCore0, prepareCopy, waitUp } from '@bc/harness/bench';
import { compareToBaseline, median } from '@bc/harness/kit/load';
import { startLocalPostgres } from '@bc/harness/provision/postgres';
import { startLocalRedis } from '@bc/harness/provision/redis';
import { table } from '@bc/harness/util';

const require = createRequire(import.meta.url);

type Point = { rps: number; p99: number };
const row = (label: string, b: Point, r: Point): (string | number)[] => [
  label,
  Math.round(b.rps),
  b.p99,
  Math.round(r.rps),
  r.p99,
  (r.rps / b.rps).toFixed(2),
  (r.p99 / b.p99).toFixed(2),
];

/**
 * `pnpm bench url-shortener`: the reference redirect (Redis hit, click counted) against a bare
 * Express handler doing one Redis GET, alternating rounds in one run on one machine.
 */
export default async function benchRedirect(opts: {
  rounds: number;
  seconds: number;
  connections: number;
}): Promise<void> {
  const challenge = 'url-shortener';
  loadOnCore1();
  const ctx = {
    runDir: mkdtempSync(join(tmpdir(), 'bc-bench-')),
    markerEnv: { BC_GRADE_RUN: `bench-${process.pid}` },
  };
  const [pg, redis] = await Promise.all([startLocalPostgres(ctx), startLocalRedis(ctx)]);
  const children: ChildProcess[] = [];
  try {
    const work = await prepareCopy(
      join(REPO_ROOT, 'graders', challenge, 'reference'),
      join(ctx.runDir, 'reference'),
    );
    const env = {
      ...process.env,
      ...ctx.markerEnv,
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      BASE_URL: 'https://bench.sho.rt',
      NODE_ENV: 'production',
    };
    const start = (port: number, cmd: string, args: string[], cwd: string) => {
      const [c, a] = onCore0(cmd, args);
      const child = spawn(c, a, { cwd, env: { ...env, PORT: String(port) }, stdio: 'ignore' });
      children.push(child);
      return `http://127.0.0.1:${port}`;
    };
    const refUrl = start(18431, process.execPath, ['dist/server.js'], work);
    const baseScript = join(REPO_ROOT, 'graders', challenge, 'baselines', 'redirect.ts');
    const baseUrl = start(
      18432,
      process.execPath,
      ['--import', require.resolve('tsx'), baseScript],
      REPO_ROOT,
    );
    await Promise.all([waitUp(`${refUrl}/healthz`), waitUp(`${baseUrl}/healthz`)]);

    const hot: { code: string; url: string }[] = [];
    for (let i = 0; i < 20; i++) {
      const url = `https://example.com/bench/${i}?q=${i}`;
      const res = await fetch(`${refUrl}/api/v1/urls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
      hot.push({ code: ((await res.json()) as { code: string }).code, url });
    }
    await fetch(`${baseUrl}/__seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(hot.map((h) => [h.code, h.url]))),
    });
    const { rounds } = await compareToBaseline(
      hot.map((h) => `${refUrl}/${h.code}`),
      hot.map((h) => `${baseUrl}/${h.code}`),
      {
        rounds: opts.rounds,
        durationSec: opts.seconds,
        connections: opts.connections,
        expectStatus: 302,
        warmupSec: 2,
      },
    );
    const wrong = rounds.find((r) => r.candidate.unexpected || r.baseline.unexpected);
    if (wrong) {
      throw new Error(
        `unexpected statuses: reference ${wrong.candidate.unexpected}, baseline ${wrong.baseline.unexpected}`,
      );
    }
    const rows = rounds.map((r, i) => row(`round ${i + 1}`, r.baseline, r.candidate));
    const base: Point[] = rounds.map((r) => r.baseline);
    const ref: Point[] = rounds.map((r) => r.candidate);
    const mb = { rps: median(base.map((x) => x.rps)), p99: median(base.map((x) => x.p99)) };
    const mr = { rps: median(ref.map((x) => x.rps)), p99: median(ref.map((x) => x.p99)) };
    rows.push(row('median', mb, mr));
    process.stdout.write(
      `${table(['', 'baseline rps', 'p99 ms', 'reference rps', 'p99 ms', 'rps ratio', 'p99 ratio'], rows)}\n\n` +
        `reference / (Express + one Redis GET): throughput ${(mr.rps / mb.rps).toFixed(2)}× (target ≥ 0.9×), ` +
        `p99 ${(mr.p99 / mb.p99).toFixed(2)}× (target ≤ 1.5×); ${opts.connections} connections, ${opts.seconds} s rounds` +
        `${hasTaskset ? ', servers on core 0, load on core 1' : ''}\n`,
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all([pg.stop(), redis.stop()]);
    rmSync(ctx.runDir, { recursive: true, force: true });
  }
}
