import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Where a grading's two sides came from: which grader judged which submission. */
export interface Provenance {
  grader: { commit: string | null; dirty: boolean; suiteSha256: string };
  submission: { commit: string | null; dirty: boolean };
}

/** The checkout's HEAD and whether `dir` has uncommitted changes; null outside a git checkout. */
export function gitState(dir: string): { commit: string | null; dirty: boolean } {
  const git = (...args: string[]) =>
    spawnSync('git', ['-c', 'safe.directory=*', '-C', dir, ...args], { encoding: 'utf8' });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0) return { commit: null, dirty: false };
  const status = git('status', '--porcelain', '--', '.');
  return { commit: head.stdout.trim(), dirty: status.stdout.trim() !== '' };
}

/** Parts of a grader dir that do not judge: its own checks and the submissions they grade. */
const NOT_SUITE = new Set(['node_modules', 'reference', 'fixtures', 'mutants', 'selftest', '.turbo']);

/**
 * SHA-256 of what judges a submission (tests, steps, rubric, config, stubs, baselines): the same
 * hash means the same suite, whatever the commit.
 */
export function suiteHash(graderDir: string): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (NOT_SUITE.has(name) || name.startsWith('.')) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(graderDir);
  const h = createHash('sha256');
  for (const f of files) h.update(relative(graderDir, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

/** The provenance of grading `submission` with the grader in `graderDir`. */
export function provenanceOf(graderDir: string, submission: string): Provenance {
  return {
    grader: { ...gitState(graderDir), suiteSha256: suiteHash(graderDir) },
    submission: gitState(submission),
  };
}
