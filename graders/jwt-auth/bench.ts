import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@bc/harness';
import { hasTaskset, loadOnCore1, prepareCopy, startOnCore0, waitUp } from '@bc/harness/bench';
import { compareToBaseline, median, quantile } from '@bc/harness/kit/load';
import { listMutants, materializeMutant } from '@bc/harness/mutants';
import { startLocalPostgres } from '@bc/harness/provision/postgres';
import { startLocalRedis } from '@bc/harness/provision/redis';
import { table } from '@bc/harness/util';

const require = createRequire(import.meta.url);
const LOGINS = 40;

type Point = { rps: number; p99: number };
const ratios = (label: string, b: Point, r: Point): (string | number)[] => [
  label,
  Math.round(b.rps),
  b.p99.toFixed(2),
  Math.round(r.rps),
  r.p99.toFixed(2),
  (r.rps / b.rps).toFixed(2),
  (r.p99 / b.p99).toFixed(2),
];

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

/**
 * `pnpm bench jwt-auth`: GET /me of the reference, and of its string-secret variant (a mutant),
 * against the bare route that only verifies the token, alternating rounds in one run on one
 * machine; then what a login costs (the password KDF), sequentially.
 */
export default async function benchAuth(opts: { rounds: number; seconds: number; connections: number }) {
  const graderDir = join(REPO_ROOT, 'graders', 'jwt-auth');
  loadOnCore1();
  const ctx = {
    runDir: mkdtempSync(join(tmpdir(), 'bc-bench-')),
    markerEnv: { BC_GRADE_RUN: `bench-${process.pid}` },
  };
  const [pg, redis] = await Promise.all([startLocalPostgres(ctx), startLocalRedis(ctx)]);
  const children: ChildProcess[] = [];
  const copies: string[] = [];
  try {
    const env = {
      ...process.env,
      ...ctx.markerEnv,
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      JWT_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
      JWT_ISSUER: 'https://bench.test',
      JWT_AUDIENCE: 'bench',
      ACCESS_TOKEN_TTL_SECONDS: '3600',
      REFRESH_TOKEN_TTL_SECONDS: '3600',
      ADMIN_EMAIL: 'admin@bench.test',
      ADMIN_PASSWORD: 'admin-bench-password',
      NODE_ENV: 'production',
    };
    const reference = await prepareCopy(join(graderDir, 'reference'), join(ctx.runDir, 'reference'));
    const mutant = listMutants(join(graderDir, 'mutants')).find((m) => m.name === 'string-secret')!;
    const variantDir = materializeMutant(join(graderDir, 'reference'), mutant);
    copies.push(join(variantDir, '..'));
    await prepareCopy(variantDir, variantDir);
    const baseUrl = startOnCore0(
      children,
      18461,
      process.execPath,
      ['--import', require.resolve('tsx'), join(graderDir, 'baselines', 'verify.ts')],
      REPO_ROOT,
      env,
    );
    // One after the other: both migrate the same database.
    const refUrl = startOnCore0(children, 18462, process.execPath, ['dist/server.js'], reference, env);
    await waitUp(`${refUrl}/healthz`, 20_000);
    const varUrl = startOnCore0(children, 18463, process.execPath, ['dist/server.js'], variantDir, env);
    await Promise.all([waitUp(`${baseUrl}/healthz`), waitUp(`${varUrl}/healthz`, 20_000)]);

    const creds = { email: 'bench@bench.test', password: 'bench-password-1' };
    if ((await post(`${refUrl}/auth/register`, creds)).status !== 201) throw new Error('register failed');
    const login = await post(`${refUrl}/auth/login`, creds);
    const token = String(login.json.accessToken);
    const me = (origin: string) => [{ url: `${origin}/me`, headers: { Authorization: `Bearer ${token}` } }];

    const rows: (string | number)[][] = [];
    for (const [label, url] of [
      ['reference (KeyObject)', refUrl],
      ['string-secret variant', varUrl],
    ] as const) {
      const { rounds } = await compareToBaseline(me(url), me(baseUrl), {
        rounds: opts.rounds,
        durationSec: opts.seconds,
        connections: opts.connections,
        expectStatus: 200,
        warmupSec: 2,
      });
      const wrong = rounds.find((r) => r.candidate.unexpected || r.baseline.unexpected);
      if (wrong) throw new Error(`${label}: unexpected statuses under load`);
      const mb = {
        rps: median(rounds.map((r) => r.baseline.rps)),
        p99: median(rounds.map((r) => r.baseline.p99)),
      };
      const mr = {
        rps: median(rounds.map((r) => r.candidate.rps)),
        p99: median(rounds.map((r) => r.candidate.p99)),
      };
      rows.push(ratios(label, mb, mr));
    }

    const times: number[] = [];
    for (let k = 0; k < LOGINS; k++) {
      const t0 = performance.now();
      const r = await post(`${refUrl}/auth/login`, creds);
      times.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`login ${k}: ${r.status}`);
    }
    times.sort((a, b) => a - b);
    process.stdout.write(
      `GET /me vs the bare verifying route (medians of ${opts.rounds} alternating rounds of ${opts.seconds} s, ${opts.connections} connections${hasTaskset ? ', servers on core 0, load on core 1' : ''}):\n` +
        `${table(['', 'baseline rps', 'p99 ms', 'submission rps', 'p99 ms', 'rps ratio', 'p99 ratio'], rows)}\n` +
        'the grader gives full marks at ≥ 0.4× throughput and ≤ 3× p99, none at ≤ 0.15× and ≥ 8×\n\n' +
        `login (scrypt ln=14, r=8, p=1), ${LOGINS} in a row: p50 ${quantile(times, 0.5).toFixed(1)} ms, ` +
        `p99 ${quantile(times, 0.99).toFixed(1)} ms\n`,
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all([pg.stop(), redis.stop()]);
    rmSync(ctx.runDir, { recursive: true, force: true });
    for (const c of copies) rmSync(c, { recursive: true, force: true });
  }
}
