import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { CATEGORIES, type Category, type GradeResult } from './types.ts';

/** A known-buggy variant of a reference solution, stored as a patch with a header. */
export interface Mutant {
  name: string;
  /** The category whose points the grader must take away. */
  target: Category;
  bug: string;
  patchFile: string;
}

/** Mutants in `dir`: `*.patch` files whose header says `Targets: <category>` and `Bug: …`. */
export function listMutants(dir: string): Mutant[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const target = text.match(/^Targets: (\S+)$/m)?.[1] as Category | undefined;
      const bug = text.match(/^Bug: (.+)$/m)?.[1];
      if (!target || !CATEGORIES.includes(target) || !bug)
        throw new Error(`${f}: header needs "Targets: <category>" and "Bug: …"`);
      return { name: basename(f, '.patch'), target, bug, patchFile: resolve(dir, f) };
    });
}

/** A fresh copy of `referenceDir` with the mutant's patch applied. */
export function materializeMutant(referenceDir: string, mutant: Mutant): string {
  const dir = join(mkdtempSync(join(tmpdir(), `bc-mutant-${mutant.name}-`)), 'submission');
  cpSync(referenceDir, dir, {
    recursive: true,
    filter: (p) => !['node_modules', 'dist'].includes(basename(p)),
  });
  execFileSync('git', ['apply', '-p0', mutant.patchFile], { cwd: dir, stdio: 'pipe' });
  return dir;
}

/** The parts of a result that a fixed seed must reproduce exactly (no timings, no measurements). */
export function stableView(r: GradeResult): unknown {
  return {
    status: r.status,
    score: r.score,
    max_score: r.max_score,
    band: r.band,
    categories: r.categories,
    tests: r.tests.map((t) => ({
      id: t.id,
      status: t.status,
      score: t.score,
      // Performance notes carry measured numbers; everything else must be word for word.
      output: t.tags[0] === 'performance' ? '' : t.output,
    })),
  };
}

export function categoryScore(r: GradeResult, c: Category): { score: number; max: number } {
  const cat = r.categories.find((x) => x.name === c);
  return { score: cat?.score ?? 0, max: cat?.max_score ?? 0 };
}
