import { spawnSync } from 'node:child_process';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { goStdCache } from './install.ts';
import type { Toolchain } from './toolchains.ts';

/**
 * Give a Go submission's build cache `dest` the standard library (and its modules, when the
 * install compiled them), already compiled. Its files are hard links to the harness's read-only
 * ones (a copy where links cannot cross file systems); its directories are the candidate's, so Go
 * adds its own entries beside them, and no candidate can change a file a later grading links.
 */
export async function warmGoCache(
  tc: Toolchain,
  dest: string,
  runAs: { uid: number; gid: number } | null,
  /** The build cache the install compiled the submission's modules into, if it did. */
  depsCache: string | null,
): Promise<void> {
  const src = depsCache && existsSync(depsCache) ? depsCache : await goStdCache(tc);
  // The top-level bookkeeping files (README, trim.txt) Go rewrites: the candidate's own copies.
  linkTree(src, dest, runAs, (p) => dirname(p) === dest);
}

/**
 * Give a Maven build the repository its install fetched, writable as Maven needs it (it records
 * what it resolved beside the artifacts): hard links to the harness's read-only files in
 * directories of the candidate's, as for Go's cache.
 */
export function warmMavenRepo(src: string, dest: string, runAs: { uid: number; gid: number } | null): void {
  linkTree(src, dest, runAs, () => false);
}

/**
 * `src` at `dest`: its files hard links (a copy where links cannot cross file systems), its
 * directories `runAs`'s, so a build adds its own files beside the harness's and changes none a
 * later grading links. Files `own` picks are the candidate's own copies instead.
 */
function linkTree(
  src: string,
  dest: string,
  runAs: { uid: number; gid: number } | null,
  own: (path: string) => boolean,
): void {
  mkdirSync(dirname(dest), { recursive: true });
  const linked = spawnSync('cp', ['-al', src, dest]).status === 0;
  if (!linked) {
    rmSync(dest, { recursive: true, force: true });
    cpSync(src, dest, { recursive: true });
  }
  const owned = readdirSync(dest)
    .map((f) => join(dest, f))
    .filter((p) => statSync(p).isFile() && own(p));
  for (const p of owned) {
    const bytes = readFileSync(p);
    rmSync(p);
    writeFileSync(p, bytes);
  }
  if (runAs) {
    spawnSync('find', [
      dirname(dest),
      ...(linked ? ['-type', 'd'] : []),
      '-exec',
      'chown',
      '-h',
      `${runAs.uid}:${runAs.gid}`,
      '{}',
      '+',
    ]);
    for (const p of owned) chownSync(p, runAs.uid, runAs.gid);
  }
}
