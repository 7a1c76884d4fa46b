import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { InfraError } from '../errors.ts';
import { cacheRoot, chownTree, runInstaller } from '../install.ts';
import { SANDBOX_GID, SANDBOX_UID } from '../supervisor/sandbox.ts';
import { isRoot, TailBuffer } from '../util.ts';
import { SYSTEM_PATH, type Toolchain } from './toolchains.ts';

/**
 * The env every Go build of a submission shares with the warm caches, so their entries are hits:
 * -trimpath keeps a package's source directory out of its cache key (modules are fetched into one
 * directory and built from another, the work dir's `.deps`).
 */
export const GO_BUILD_ENV = { CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-trimpath' };

/**
 * The harness's build cache of Go's standard library for `tc`, made once per toolchain: `go build
 * std` in the installer's jail (no candidate file in sight). Compiling net/http and its kin costs
 * about 27 CPU-s, which every grading would otherwise pay, as each starts with an empty cache.
 */
export async function goStdCache(tc: Toolchain): Promise<string> {
  const key = createHash('sha256')
    .update(tc.version)
    .update(JSON.stringify(GO_BUILD_ENV))
    .digest('hex')
    .slice(0, 16);
  const root = cacheRoot();
  const entry = join(root, `go-std-${key}`);
  if (existsSync(join(entry, '.complete'))) return join(entry, 'go-build');
  const tmp = `${entry}.tmp-${process.pid}-${Date.now()}`;
  const home = join(tmp, 'home');
  mkdirSync(home, { recursive: true });
  if (isRoot()) chownTree(tmp, SANDBOX_UID, SANDBOX_GID);
  const log = new TailBuffer(8 * 1024);
  const code = await runInstaller([tc.bin.go!, 'build', 'std'], {
    cwd: tmp,
    env: {
      PATH: SYSTEM_PATH,
      HOME: home,
      GOCACHE: join(tmp, 'go-build'),
      GOPATH: join(home, 'gopath'),
      ...GO_BUILD_ENV,
    },
    timeoutMs: 600_000,
    rw: [tmp],
    ro: [],
    onChunk: (c) => log.push(c),
  });
  if (code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new InfraError(
      `go build std failed with this machine's Go (${tc.version}): ${log.tail(3).replace(/\n/g, ' | ')}`,
    );
  }
  rmSync(home, { recursive: true, force: true });
  if (isRoot()) chownTree(tmp, 0, 0);
  spawnSync('chmod', ['-R', 'go-w', tmp]);
  writeFileSync(join(tmp, '.complete'), new Date().toISOString());
  try {
    renameSync(tmp, entry);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
  return join(entry, 'go-build');
}

/**
 * Give a Go submission's build cache `dest` the standard library (and its modules, when the
 * install compiled them), already compiled. Its files are
 * hard links to the harness's read-only ones (a copy where links cannot cross file systems); its
 * directories are the candidate's, so Go adds its own entries beside them, and no candidate can
 * change a file a later grading links.
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
