import { join } from 'node:path';
import { type GradeResult, graderDirFor } from '@bc/harness';
import { median } from '@bc/harness/kit/load';
import { listMutants, lostItems, mutantMismatches, SelfGradings } from '@bc/harness/testing';
import { table } from '@bc/harness/util';
import { Command } from 'commander';

/**
 * `pnpm validate <challenge> --seeds N`: grade the reference and every mutant over N seeds and
 * print the flake rate (a reference run below 100 outside performance, a mutant whose lost items
 * differ from its Fails: header) and how far the reference's performance points stray from their
 * median (goal: 0 flakes, within ±0.5).
 */
async function validate(challenge: string, seeds: number, parallel: number): Promise<number> {
  const graderDir = graderDirFor(challenge);
  const g = await SelfGradings.create(graderDir, parallel);
  const def = g.def;
  const mutants = listMutants(join(graderDir, 'mutants'));
  const reference = join(graderDir, 'reference');
  const started = Date.now();

  const refRuns: Promise<GradeResult>[] = [];
  const mutantRuns: { name: string; seed: number; run: Promise<GradeResult> }[] = [];
  for (let i = 0; i < seeds; i++) {
    const seed = 5000 + i;
    refRuns.push(g.full(`reference seed ${seed}`, reference, seed));
    for (const m of mutants)
      mutantRuns.push({ name: m.name, seed, run: g.mutant(m, reference, seed, 'all') });
  }

  const refs = await Promise.all(refRuns);
  const perfItems = def.rubric.filter((r) => r.category === 'performance');
  const rows: (string | number)[][] = [];
  let flakes = 0;
  refs.forEach((r, i) => {
    const lost = r.tests.filter((t) => t.tags[0] !== 'performance' && t.status !== 'passed').map((t) => t.id);
    if (lost.length) flakes++;
    rows.push([
      `reference seed ${5000 + i}`,
      r.score,
      ...perfItems.map((p) => r.tests.find((t) => t.id === p.slug)!.score),
      lost.join(', ') || '–',
    ]);
  });
  process.stdout.write(
    `${table(['run', 'score', ...perfItems.map((p) => p.slug), 'lost outside performance'], rows)}\n\n`,
  );
  for (const p of perfItems) {
    const scores = refs.map((r) => r.tests.find((t) => t.id === p.slug)!.score);
    const m = median(scores);
    const spread = Math.max(...scores.map((s) => Math.abs(s - m)));
    process.stdout.write(
      `${p.slug}: median ${m.toFixed(2)}/${p.points}, largest distance from it ${spread.toFixed(2)} (goal ≤ 0.5)${spread > 0.5 ? '  ← over' : ''}\n`,
    );
  }

  const mrows: (string | number)[][] = [];
  let mutantFlakes = 0;
  for (const m of mutants) {
    const runs = await Promise.all(mutantRuns.filter((x) => x.name === m.name).map((x) => x.run));
    const bad = runs.filter((r) => r.status !== 'graded' || mutantMismatches(r, m).length > 0);
    mutantFlakes += bad.length;
    mrows.push([
      m.name,
      `${runs.length - bad.length}/${runs.length}`,
      bad.map((r) => lostItems(r).join(' ')).join(' | ') || '–',
    ]);
  }
  process.stdout.write(`\n${table(['mutant', 'exact', 'lost instead (when not exact)'], mrows)}\n\n`);
  process.stdout.write(`${g.timingTable()}\n\n`);
  const total = refs.length + mutantRuns.length;
  process.stdout.write(
    `${flakes + mutantFlakes} flake(s) in ${total} gradings (reference ${flakes}/${refs.length}, mutants ${mutantFlakes}/${mutantRuns.length}); ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  return flakes + mutantFlakes;
}

const program = new Command()
  .name('validate')
  .argument('<challenge>')
  .option('--seeds <n>', 'seeds per submission', '5')
  .option('--parallel <n>', 'gradings without load tests at once', '4')
  .action(async (challenge: string, o: { seeds: string; parallel: string }) => {
    process.exitCode = (await validate(challenge, Number(o.seeds), Number(o.parallel))) > 0 ? 1 : 0;
  });
await program.parseAsync();
process.exit(process.exitCode ?? 0);
