import { spawnSync } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { readRegular } from './submission-files.ts';

/** Where a grading's two sides came from: which grader judged which submission. */
export interface Provenance {
  grader: { commit: string | null; dirty: boolean; suiteSha256: string };
  /** `dirty` is null: git is never run on a candidate's directory, so it is not known. */
  submission: { commit: string | null; dirty: null };
}

const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const REF_NAME = /^refs\/[A-Za-z0-9._/-]+$/;
const small = (p: string): string | null => readRegular(p, 64 * 1024)?.toString('utf8') ?? null;

/** The .git directory that holds `dir` (a `.git` file of a worktree is followed to its gitdir). */
function gitDirOf(dir: string): { gitDir: string; top: string } | null {
  // The directory as named on the command line may be a link (a grader linked into a checkout).
  for (let d = realpathSync(dir); ; d = dirname(d)) {
    const dotGit = join(d, '.git');
    try {
      const st = lstatSync(dotGit);
      if (st.isDirectory()) return { gitDir: dotGit, top: d };
      const pointer = st.isFile() ? small(dotGit)?.match(/^gitdir: (.+)$/m)?.[1] : undefined;
      if (pointer) return { gitDir: resolve(d, pointer.trim()), top: d };
    } catch {
      // none here: look further up
    }
    if (dirname(d) === d) return null;
  }
}

/**
 * The commit checked out at `dir`, read from HEAD, refs and packed-refs as files, never through a
 * link and never by running git: a candidate's git metadata (hooks, fsmonitor, filters in its
 * config) is data to the harness, not commands. Anything that is not a well-formed object id is null.
 */
export function headCommit(dir: string): string | null {
  const found = gitDirOf(dir);
  if (!found) return null;
  const { gitDir } = found;
  const head = small(join(gitDir, 'HEAD'))?.trim();
  if (!head) return null;
  if (OBJECT_ID.test(head)) return head;
  const ref = head.match(/^ref: (\S+)$/)?.[1];
  if (!ref || !REF_NAME.test(ref) || ref.split('/').includes('..')) return null;
  // A worktree keeps its refs in the main repository (commondir).
  const common = resolve(gitDir, small(join(gitDir, 'commondir'))?.trim() || '.');
  for (const base of [gitDir, common]) {
    const loose = small(join(base, ref))?.trim();
    if (loose && OBJECT_ID.test(loose)) return loose;
    const packed = readRegular(join(base, 'packed-refs'), 16 * 1024 * 1024)?.toString('utf8');
    for (const line of packed?.split('\n') ?? []) {
      const [id, name] = line.trim().split(' ');
      if (name === ref && id && OBJECT_ID.test(id)) return id;
    }
  }
  return null;
}

/**
 * The grader's checkout: its commit, and whether the grader dir has uncommitted changes. This is
 * trusted code, so git may run here, but only as this checkout's own (a safe.directory naming
 * its own top, never a wildcard).
 */
export function gitState(dir: string): { commit: string | null; dirty: boolean } {
  const commit = headCommit(dir);
  const found = gitDirOf(dir);
  if (!commit || !found) return { commit: null, dirty: false };
  const status = spawnSync(
    'git',
    ['-c', `safe.directory=${found.top}`, '-C', dir, 'status', '--porcelain', '--', '.'],
    { encoding: 'utf8' },
  );
  return { commit, dirty: status.status === 0 && status.stdout.trim() !== '' };
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

/** Every regular file under `dir` (links skipped), as paths relative to it, depth first in name order, without what `skip` names. */
export function filesUnder(dir: string, skip: (name: string) => boolean): string[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (skip(name)) continue;
      const p = join(d, name);
      // Never through a link: a tree's links are not its files (a candidate's could point anywhere).
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) files.push(relative(dir, p));
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
    submission: { commit: headCommit(submission), dirty: null },
  };
}
