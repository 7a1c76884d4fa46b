import { spawnSync } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
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
  return hashTree(createHash('sha256'), graderDir, (n) => NOT_SUITE.has(n) || n.startsWith('.')).digest(
    'hex',
  );
}

/** Every file under `dir`, as paths relative to it, depth first in name order, without what `skip` names. */
export function filesUnder(dir: string, skip: (name: string) => boolean): string[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (skip(name)) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(relative(dir, p));
    }
  };
  walk(dir);
  return files;
}

/** Feed `h` each file under `dir` (its relative path, then its content), in `filesUnder` order. */
export function hashTree(h: Hash, dir: string, skip: (name: string) => boolean): Hash {
  for (const f of filesUnder(dir, skip))
    h.update(f)
      .update('\0')
      .update(readFileSync(join(dir, f)))
      .update('\0');
  return h;
}

/**
 * The grader's commit: from its checkout, or, in the grader image (no .git there), the commit
 * the image was built from (BC_GRADER_COMMIT, set by docker/build-images.sh --grader).
 */
function graderState(graderDir: string): { commit: string | null; dirty: boolean } {
  const state = gitState(graderDir);
  const baked = process.env.BC_GRADER_COMMIT;
  if (state.commit || !baked) return state;
  return { commit: baked.replace(/\+dirty$/, ''), dirty: baked.endsWith('+dirty') };
}

/** The provenance of grading `submission` with the grader in `graderDir`. */
export function provenanceOf(graderDir: string, submission: string): Provenance {
  return {
    grader: { ...graderState(graderDir), suiteSha256: suiteHash(graderDir) },
    submission: gitState(submission),
  };
}
