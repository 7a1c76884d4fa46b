import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@bc/harness';
import { commandStats, hasTaskset, loadOnCore1, prepareCopy, startOnCore0, waitUp } from '@bc/harness/bench';
import { compareToBaseline, median } from '@bc/harness/kit/load';
import { startLocalRedis } from '@bc/harness/provision/redis';
import { table } from '@bc/harness/util';

const require = createRequire(import.meta.url);
const HOT = 'p-bench-hot';

/**
 * `pnpm bench cache`: one hot product read through the reference (fresh in Redis, TTLs far longer
 * than the run) against the baseline route doing one Redis GET, alternating rounds in one run on
 * one machine; then the Redis commands each hit cost, and the origin calls the whole run made.
 */
export default async function benchCache(opts: { rounds: number; seconds: number; connections: number }) {
  loadOnCore1();
  const ctx = {
    runDir: mkdtempSync(join(tmpdir(), 'bc-bench-')),
    markerEnv: { BC_GRADE_RUN: `bench-${process.pid}` },
  };
  const redis = await startLocalRedis(ctx);
  const children: ChildProcess[] = [];
  // The origin: one product, answered at once (the hot path never reaches it), every call counted.
  let originCalls = 0;
  const origin = createServer((_req, res) => {
    originCalls++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: HOT, name: 'Hot product', priceCents: 1999, version: 1 }));
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  try {
    const work = await prepareCopy(
      join(REPO_ROOT, 'graders', 'cache', 'reference'),
      join(ctx.runDir, 'reference'),
    );
    const env = {
      ...process.env,
      ...ctx.markerEnv,
      REDIS_URL: redis.url,
      ORIGIN_URL: `http://127.0.0.1:${(origin.address() as AddressInfo).port}`,
      CACHE_TTL_MS: '600000',
      STALE_TTL_MS: '600000',
      NODE_ENV: 'production',
    };
    const refUrl = startOnCore0(children, 18451, process.execPath, ['dist/server.js'], work, env);
    const baseScript = join(REPO_ROOT, 'graders', 'cache', 'baselines', 'plain.ts');
    const baseUrl = startOnCore0(
      children,
      18452,
      process.execPath,
      ['--import', require.resolve('tsx'), baseScript],
      REPO_ROOT,
      env,
    );
    await Promise.all([waitUp(`${refUrl}/healthz`), waitUp(`${baseUrl}/healthz`)]);
    const adminUrl = redis.adminUrl ?? redis.url;
    const before = commandStats(adminUrl);
    const { rounds, warmup } = await compareToBaseline(
      [{ url: `${refUrl}/products/${HOT}` }],
      [{ url: `${baseUrl}/products/${HOT}` }],
      {
        rounds: opts.rounds,
        durationSec: opts.seconds,
        connections: opts.connections,
        expectStatus: 200,
        warmupSec: 2,
      },
    );
    const after = commandStats(adminUrl);
    const wrong = rounds.find((r) => r.candidate.unexpected || r.baseline.unexpected);
    if (wrong)
      throw new Error(
        `unexpected statuses: reference ${wrong.candidate.unexpected}, baseline ${wrong.baseline.unexpected}`,
      );
    const served = [warmup.candidate, ...rounds.map((r) => r.candidate)].reduce((s, x) => s + x.requests, 0);
    const baseServed = [warmup.baseline, ...rounds.map((r) => r.baseline)].reduce(
      (s, x) => s + x.requests,
      0,
    );
    // The baseline's GETs are its own: one per request it served.
    const perHit = [...after]
      .map(([cmd, calls]): [string, number] => [
        cmd,
        (calls - (before.get(cmd) ?? 0) - (cmd === 'get' ? baseServed : 0)) / served,
      ])
      .filter(([, n]) => n > 0.001)
      .sort((a, b) => b[1] - a[1]);
    const row = (label: string, b: { rps: number; p99: number }, r: { rps: number; p99: number }) => [
      label,
      Math.round(b.rps),
      b.p99,
      Math.round(r.rps),
      r.p99,
      (r.rps / b.rps).toFixed(2),
      (r.p99 / b.p99).toFixed(2),
    ];
    const rows = rounds.map((r, i) => row(`round ${i + 1}`, r.baseline, r.candidate));
    const mb = {
      rps: median(rounds.map((r) => r.baseline.rps)),
      p99: median(rounds.map((r) => r.baseline.p99)),
    };
    const mr = {
      rps: median(rounds.map((r) => r.candidate.rps)),
      p99: median(rounds.map((r) => r.candidate.p99)),
    };
    rows.push(row('median', mb, mr));
    process.stdout.write(
      `${table(['', 'baseline rps', 'p99 ms', 'reference rps', 'p99 ms', 'rps ratio', 'p99 ratio'], rows)}\n\n` +
        `reference / (one Redis GET per request): throughput ${(mr.rps / mb.rps).toFixed(2)}× (full marks at ≥ 0.6×), ` +
        `p99 ${(mr.p99 / mb.p99).toFixed(2)}× (full marks at ≤ 2×); ${opts.connections} connections, ${opts.seconds} s rounds` +
        `${hasTaskset ? ', servers on core 0, load on core 1' : ''}\n\n` +
        `Redis per hit (${served} served): ${perHit.map(([cmd, n]) => `${cmd} ${n.toFixed(2)}`).join(', ') || 'none'}; ` +
        `origin calls in the whole run: ${originCalls}\n`,
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    origin.close();
    await redis.stop();
    rmSync(ctx.runDir, { recursive: true, force: true });
  }
}
