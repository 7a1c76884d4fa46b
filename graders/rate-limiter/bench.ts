import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@bc/harness';
import { hasTaskset, loadOnCore1, onCore0, prepareCopy, waitUp } from '@bc/harness/bench';
import { compareToBaseline, median } from '@bc/harness/kit/load';
import { startLocalRedis } from '@bc/harness/provision/redis';
import { table } from '@bc/harness/util';

const require = createRequire(import.meta.url);
const KEY = 'bench-key';

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

/** Calls per command name since the Redis server started, from INFO commandstats. */
function commandStats(port: string): Map<string, number> {
  const out = execFileSync('redis-cli', ['-p', port, 'info', 'commandstats'], { encoding: 'utf8' });
  return new Map(
    [...out.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)].map((m): [string, number] => [
      m[1]!,
      Number(m[2]),
    ]),
  );
}

/**
 * `pnpm bench rate-limiter`: allowed requests through the reference limiter (both policies, one
 * key, limits out of reach) against the same Express routes without a limiter, alternating rounds
 * in one run on one machine; then the Redis commands each limited request cost.
 */
export default async function benchLimiter(opts: { rounds: number; seconds: number; connections: number }) {
  const challenge = 'rate-limiter';
  loadOnCore1();
  const ctx = {
    runDir: mkdtempSync(join(tmpdir(), 'bc-bench-')),
    markerEnv: { BC_GRADE_RUN: `bench-${process.pid}` },
  };
  const redis = await startLocalRedis(ctx);
  const children: ChildProcess[] = [];
  try {
    const work = await prepareCopy(
      join(REPO_ROOT, 'graders', challenge, 'reference'),
      join(ctx.runDir, 'reference'),
    );
    const env = {
      ...process.env,
      ...ctx.markerEnv,
      REDIS_URL: redis.url,
      RATE_LIMIT: '1000000000',
      RATE_LIMIT_WINDOW_MS: '2000',
      BUCKET_CAPACITY: '1000000000',
      BUCKET_REFILL_PER_SEC: '1000000000',
      API_KEYS: KEY,
      NODE_ENV: 'production',
    };
    const start = (port: number, cmd: string, args: string[], cwd: string) => {
      const [c, a] = onCore0(cmd, args);
      const child = spawn(c, a, { cwd, env: { ...env, PORT: String(port) }, stdio: 'ignore' });
      children.push(child);
      return `http://127.0.0.1:${port}`;
    };
    const refUrl = start(18441, process.execPath, ['dist/server.js'], work);
    const baseScript = join(REPO_ROOT, 'graders', challenge, 'baselines', 'plain.ts');
    const baseUrl = start(
      18442,
      process.execPath,
      ['--import', require.resolve('tsx'), baseScript],
      REPO_ROOT,
    );
    await Promise.all([waitUp(`${refUrl}/healthz`), waitUp(`${baseUrl}/healthz`)]);

    const targets = (origin: string) =>
      ['window', 'bucket'].map((p) => ({
        url: `${origin}/api/${p}/resource`,
        headers: { 'X-API-Key': KEY },
      }));
    const port = new URL(redis.url).port;
    const before = commandStats(port);
    const { rounds, warmup } = await compareToBaseline(targets(refUrl), targets(baseUrl), {
      rounds: opts.rounds,
      durationSec: opts.seconds,
      connections: opts.connections,
      expectStatus: 200,
      warmupSec: 2,
    });
    const after = commandStats(port);
    const wrong = rounds.find((r) => r.candidate.unexpected || r.baseline.unexpected);
    if (wrong) {
      throw new Error(
        `unexpected statuses: reference ${wrong.candidate.unexpected}, baseline ${wrong.baseline.unexpected}`,
      );
    }
    // Every reference response of the run (warm-up included) made these calls.
    const served = [warmup.candidate, ...rounds.map((r) => r.candidate)].reduce((s, x) => s + x.requests, 0);
    const perRequest = [...after]
      .map(([cmd, calls]): [string, number] => [cmd, (calls - (before.get(cmd) ?? 0)) / served])
      .filter(([, n]) => n > 0.001)
      .sort((a, b) => b[1] - a[1]);
    const topLevel = perRequest
      .filter(([cmd]) => cmd === 'evalsha' || cmd === 'eval')
      .reduce((s, [, n]) => s + n, 0);

    const rows = rounds.map((r, i) => row(`round ${i + 1}`, r.baseline, r.candidate));
    const base: Point[] = rounds.map((r) => r.baseline);
    const ref: Point[] = rounds.map((r) => r.candidate);
    const mb = { rps: median(base.map((x) => x.rps)), p99: median(base.map((x) => x.p99)) };
    const mr = { rps: median(ref.map((x) => x.rps)), p99: median(ref.map((x) => x.p99)) };
    rows.push(row('median', mb, mr));
    process.stdout.write(
      `${table(['', 'baseline rps', 'p99 ms', 'reference rps', 'p99 ms', 'rps ratio', 'p99 ratio'], rows)}\n\n` +
        `reference / (the same Express routes, no limiter): throughput ${(mr.rps / mb.rps).toFixed(2)}× (target ≥ 0.8×), ` +
        `p99 ${(mr.p99 / mb.p99).toFixed(2)}×; ${opts.connections} connections, ${opts.seconds} s rounds, both routes alternating` +
        `${hasTaskset ? ', servers on core 0, load on core 1' : ''}\n\n` +
        `Redis per limited request (${served} served): ${topLevel.toFixed(2)} script call(s) (round trips), and inside them ` +
        `${perRequest
          .filter(([cmd]) => cmd !== 'evalsha' && cmd !== 'eval')
          .map(([cmd, n]) => `${cmd} ${n.toFixed(2)}`)
          .join(', ')}\n`,
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await redis.stop();
    rmSync(ctx.runDir, { recursive: true, force: true });
  }
}
