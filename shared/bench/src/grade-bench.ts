import { join } from 'node:path';
import type { PhaseTiming } from '@bc/harness';
import { grade, REPO_ROOT } from '@bc/harness';
import { median } from '@bc/harness/kit/load';
import { table } from '@bc/harness/util';

const PHASES: PhaseTiming['name'][] = [
  'prepare',
  'install',
  'provision',
  'seed',
  'proxies',
  'build',
  'start',
  'tests',
  'performance',
  'teardown',
];

/** Wall time of full grading runs of a challenge's reference, split by phase (median of `runs`). */
export async function benchGrade(challenge: string, runs: number): Promise<void> {
  const reference = join(REPO_ROOT, 'graders', challenge, 'reference');
  const rows: number[][] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    const r = await grade({ challenge, submission: reference, seed: 1000 + i });
    const total = (Date.now() - t0) / 1000;
    const byPhase = PHASES.map(
      (p) => r.phases.filter((x) => x.name === p).reduce((s, x) => s + x.ms, 0) / 1000,
    );
    rows.push([...byPhase, total]);
    process.stdout.write(`run ${i + 1}/${runs}: ${total.toFixed(1)} s, score ${r.score}/${r.max_score}\n`);
  }
  const header = ['', ...PHASES, 'total'];
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2));
  const med = header.slice(1).map((_, j) => median(rows.map((r) => r[j]!)));
  process.stdout.write(
    `\n${table(header, [...rows.map((r, i) => [`run ${i + 1}`, ...fmt(r)]), ['median', ...fmt(med)]])}\n\n` +
      `median total ${med.at(-1)!.toFixed(1)} s (target < 30 s); provision ${med[2]!.toFixed(2)} s (target < 1 s)\n`,
  );
}
