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
  mkdirSync(dirname(dest), { recursive: true });
  const linked = spawnSync('cp', ['-al', src, dest]).status === 0;
  if (!linked) {
    rmSync(dest, { recursive: true, force: true });
    cpSync(src, dest, { recursive: true });
  }
  // The top-level bookkeeping files (README, trim.txt) Go rewrites: the candidate's own copies.
  for (const f of readdirSync(dest)) {
    const p = join(dest, f);
    if (!statSync(p).isFile()) continue;
    const bytes = readFileSync(p);
    rmSync(p);
    writeFileSync(p, bytes);
  }
  if (runAs) {
    const own = linked ? ['-type', 'd'] : [];
    spawnSync('find', [
      dirname(dest),
      ...own,
      '-exec',
      'chown',
      '-h',
      `${runAs.uid}:${runAs.gid}`,
      '{}',
      '+',
    ]);
    for (const f of readdirSync(dest)) {
      const p = join(dest, f);
      if (statSync(p).isFile()) chownSync(p, runAs.uid, runAs.gid);
    }
  }
}
