import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@bc/harness';
import { hasTaskset, loadOnCore1, onCore0, prepareCopy } from '@bc/harness/bench';
import { compareToBaseline, median } from '@bc/harness/kit/load';
import { listMutants, materializeMutant } from '@bc/harness/mutants';
import { startLocalPostgres } from '@bc/harness/provision/postgres';
import { table, waitFor } from '@bc/harness/util';
import { rowCount, seedProducts } from './test/steps/data.ts';

const DEPTH = 150_000;
const SEED = 1;

/** The cursor of the page DEPTH rows in, walking pages of 100 as a client would; and the walk's time. */
async function deepCursor(origin: string): Promise<{ cursor: string; ms: number }> {
  const t0 = Date.now();
  let cursor = '';
  for (let seen = 0; seen < DEPTH; seen += 100) {
    const res = await fetch(
      `${origin}/api/v1/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    const body = (await res.json()) as { page: { nextCursor: string | null } };
    if (!body.page.nextCursor) throw new Error(`${origin}: no next page after ${seen} rows`);
    cursor = body.page.nextCursor;
  }
  return { cursor, ms: Date.now() - t0 };
}

/**
 * `pnpm bench paginated-api`: seeding time of the 200,000-row table; then, for the reference and
 * for an OFFSET variant of it (the offset-pagination mutant), a page 150,000 rows deep against the
 * first page, p50 and p99, alternating rounds in one run on one machine.
 */
export default async function benchPages(opts: { rounds: number; seconds: number; connections: number }) {
  const challenge = 'paginated-api';
  loadOnCore1();
  const ctx = {
    runDir: mkdtempSync(join(tmpdir(), 'bc-bench-')),
    markerEnv: { BC_GRADE_RUN: `bench-${process.pid}` },
  };
  const pg = await startLocalPostgres(ctx);
  const children: ChildProcess[] = [];
  const copies: string[] = [];
  try {
    const t0 = Date.now();
    await seedProducts(pg.url, SEED);
    const seedMs = Date.now() - t0;
    process.stdout.write(
      `seeding ${rowCount(SEED).toLocaleString('en')} rows: ${(seedMs / 1000).toFixed(2)} s (target < 3 s)\n\n`,
    );

    const graderDir = join(REPO_ROOT, 'graders', challenge);
    const offset = listMutants(join(graderDir, 'mutants')).find((m) => m.name === 'offset-pagination')!;
    const offsetDir = materializeMutant(join(graderDir, 'reference'), offset);
    copies.push(join(offsetDir, '..'));
    const referenceDir = join(ctx.runDir, 'reference');
    const rows: (string | number)[][] = [];
    for (const [label, dir, port] of [
      ['reference (keyset)', referenceDir, 18451],
      ['OFFSET variant', offsetDir, 18452],
    ] as const) {
      await prepareCopy(dir === referenceDir ? join(graderDir, 'reference') : dir, dir);
      const [c, a] = onCore0(process.execPath, ['dist/server.js']);
      const child = spawn(c, a, {
        cwd: dir,
        env: {
          ...process.env,
          ...ctx.markerEnv,
          DATABASE_URL: pg.url,
          PORT: String(port),
          NODE_ENV: 'production',
        },
        stdio: 'ignore',
      });
      children.push(child);
      const origin = `http://127.0.0.1:${port}`;
      if (!(await waitFor(async () => (await fetch(`${origin}/healthz`)).ok, { timeoutMs: 60_000 })))
        throw new Error(`${label} never came up`);
      const { cursor, ms } = await deepCursor(origin);
      const page = (cur?: string) =>
        `${origin}/api/v1/products?limit=20${cur ? `&cursor=${encodeURIComponent(cur)}` : ''}`;
      const { rounds } = await compareToBaseline([page(cursor)], [page()], {
        rounds: opts.rounds,
        durationSec: opts.seconds,
        connections: opts.connections,
        expectStatus: 200,
        warmupSec: 1,
      });
      const med = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
      rows.push([
        label,
        med((r) => r.baseline.p50).toFixed(2),
        med((r) => r.candidate.p50).toFixed(2),
        med((r) => r.candidate.p50 / r.baseline.p50).toFixed(2),
        med((r) => r.baseline.p99).toFixed(2),
        med((r) => r.candidate.p99).toFixed(2),
        med((r) => r.candidate.p99 / r.baseline.p99).toFixed(2),
        (ms / 1000).toFixed(1),
      ]);
      child.kill('SIGKILL');
    }
    process.stdout.write(
      `${table(['', 'first p50 ms', 'deep p50 ms', 'p50 ratio', 'first p99 ms', 'deep p99 ms', 'p99 ratio', `walk to ${DEPTH / 1000}k s`], rows)}\n\n` +
        `deep = the page ${DEPTH.toLocaleString('en')} rows in (default sort), limit 20; medians of ${opts.rounds} alternating rounds of ${opts.seconds} s, ` +
        `${opts.connections} connections${hasTaskset ? ', server on core 0, load on core 1' : ''}; the grader gives full marks at ≤ 2× and none at ≥ 10×\n`,
    );
  } finally {
    for (const c of children) c.kill('SIGKILL');
    for (const d of copies) rmSync(d, { recursive: true, force: true });
    await pg.stop();
    rmSync(ctx.runDir, { recursive: true, force: true });
  }
}
