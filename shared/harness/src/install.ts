import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SubmissionError } from './errors.ts';
import { isRegularFile, readManifest, readRegular } from './submission-files.ts';
import { installerCommand, SANDBOX_GID, SANDBOX_UID } from './supervisor/sandbox.ts';
import { isRoot, privateDir, TailBuffer } from './util.ts';

/** Environment variables that say how to reach the package registry from this machine. */
export const REGISTRY_ACCESS = [
  'NODE_EXTRA_CA_CERTS',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
];

export const pick = (env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> =>
  Object.fromEntries(keys.flatMap((k) => (env[k] ? [[k, env[k]!]] : [])));

const MAX_LOCKFILE = 64 * 1024 * 1024;

/** What the installer did. */
export interface InstallResult {
  manager: 'npm' | 'pnpm' | 'none';
  /** The install as the report shows it (`npm ci`, `nothing to install`). */
  command: string;
  /** A read-only node_modules directory to mount (or link) into the work dir, if any. */
  nodeModules: string | null;
  cached: boolean;
  ms: number;
  /** Removes a per-run tree (installs without a lockfile are never shared). */
  cleanup(): void;
}

/**
 * The machine-wide cache of installed dependency trees, keyed by lockfile: a directory of the
 * harness user's own (never a shared /tmp path someone else could have made first), checked on
 * every use. Candidates, as other uids, may only traverse it to their read-only mount.
 */
export function cacheRoot(): string {
  const root = process.env.GRADE_CACHE_DIR ?? defaultCacheRoot();
  return privateDir(root, 0o711);
}

function defaultCacheRoot(): string {
  if (isRoot()) return '/var/cache/backend-challenges';
  const xdg = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(xdg, 'backend-challenges');
}

/** Bytes the install cache may hold (GRADE_CACHE_MAX_MB, default 4096): beyond, the oldest entries go. */
const cacheCapBytes = (): number => Number(process.env.GRADE_CACHE_MAX_MB ?? 4096) * 1024 * 1024;

/** Bytes under `dir` (du). */
export function treeBytes(dir: string): number {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]) || 0;
}

/**
 * Evict the least recently used complete entries until the cache fits its cap, never `keep` (the
 * entry a run is about to mount) and never one used within `idleMs` (another run may have it
 * mounted right now). An entry's .complete is touched on every reuse.
 */
export function evictCache(root: string, keep: string, cap = cacheCapBytes(), idleMs = 3_600_000): string[] {
  const entries = readdirSync(root)
    .filter((n) => /^[0-9a-f]{24}$/.test(n))
    .map((n) => join(root, n))
    .flatMap((p) => {
      // Another grading may evict the same entry meanwhile (CI, ci59: ENOENT between the check
      // for .complete and its stat): one gone is simply not counted.
      try {
        return [{ p, used: statSync(join(p, '.complete')).mtimeMs, bytes: treeBytes(p) }];
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
    })
    .sort((a, b) => a.used - b.used);
  let total = entries.reduce((s, e) => s + e.bytes, 0);
  const evicted: string[] = [];
  for (const e of entries) {
    if (total <= cap) break;
    if (e.p === keep || Date.now() - e.used < idleMs) continue;
    rmSync(e.p, { recursive: true, force: true });
    total -= e.bytes;
    evicted.push(e.p);
  }
  return evicted;
}

/** Run an installer command in its jail (installerCommand): resolves with its exit code. */
export function runInstaller(
  cmd: string[],
  opts: {
    cwd: string;
    env: Record<string, string>;
    timeoutMs: number;
    /** What the installer may write (the tree, its cache) and read beyond the system (a CA file). */
    rw: string[];
    ro: string[];
    onChunk: (c: Buffer) => void;
  },
): Promise<number | null> {
  return new Promise((resolve) => {
    const wrapped = installerCommand(cmd, opts.rw, opts.ro);
    const child = spawn(wrapped.file, wrapped.args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(wrapped.uid !== undefined ? { uid: wrapped.uid, gid: wrapped.gid } : {}),
    });
    child.stdout?.on('data', opts.onChunk);
    child.stderr?.on('data', opts.onChunk);
    const timer = setTimeout(() => {
      opts.onChunk(
        Buffer.from(`\n[harness] install took longer than ${opts.timeoutMs / 1000} s and was stopped\n`),
      );
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, opts.timeoutMs);
    child.on('error', (e) => {
      opts.onChunk(Buffer.from(`[harness] ${cmd[0]}: ${e.message}\n`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/**
 * Dependency specs that name this machine's files rather than a registry's packages: with them an
 * install could copy the checkout, graders/ or another run into node_modules.
 */
const LOCAL_SPEC = /^\s*(?:file:|link:|portal:|git\+file:|\.{0,2}\/|~\/)/;
const LOCAL_IN_LOCKFILE = /(?:^|["'\s:(@])(?:file:|link:|portal:|git\+file:)/m;

export function chownTree(dir: string, uid: number, gid: number): void {
  // coreutils' recursive chown: fast, and -h never follows a symlink out of the tree.
  if (spawnSync('chown', ['-R', '-h', `${uid}:${gid}`, dir]).status !== 0)
    throw new Error(`chown failed on ${dir}`);
}

/**
 * Install a submission's dependencies, lockfile-aware, with lifecycle scripts off. The tree is
 * built in a cache entry keyed by the manifest and lockfile, as an unprivileged user when we are
 * root, then made root-owned so a candidate cannot tamper with what later runs reuse.
 */
export async function installDependencies(
  workDir: string,
  opts: { timeoutMs: number; onOutput?: (c: Buffer) => void },
): Promise<InstallResult> {
  const started = Date.now();
  const pkg = readManifest(workDir);
  const hasDeps =
    Object.keys(pkg.dependencies ?? {}).length + Object.keys(pkg.devDependencies ?? {}).length > 0;
  if (!hasDeps)
    return {
      manager: 'none',
      command: 'nothing to install',
      nodeModules: null,
      cached: false,
      ms: Date.now() - started,
      cleanup: () => {},
    };

  // Lockfiles are read as regular files only: a link to a root-only file is no lockfile.
  const local = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).find(([, spec]) =>
    LOCAL_SPEC.test(spec),
  );
  if (local) {
    throw new SubmissionError(
      'install',
      `The dependency ${JSON.stringify(local[0].slice(0, 100))} is not from the registry (file:, link:, git+file: or a path): a submission's dependencies are packages of the npm registry.`,
    );
  }
  const lock = ['pnpm-lock.yaml', 'package-lock.json'].find((f) => isRegularFile(join(workDir, f)));
  const lockBytes = lock ? readRegular(join(workDir, lock), MAX_LOCKFILE) : null;
  if (lock && !lockBytes)
    throw new SubmissionError('install', `${lock} is larger than ${MAX_LOCKFILE / 1024 / 1024} MB.`);
  if (lockBytes && LOCAL_IN_LOCKFILE.test(lockBytes.toString('utf8'))) {
    throw new SubmissionError(
      'install',
      `${lock} resolves a dependency from this machine's files (file:, link: or git+file:): a submission's dependencies are packages of the npm registry.`,
    );
  }
  const manager = lock === 'pnpm-lock.yaml' ? 'pnpm' : 'npm';
  const command = `${manager === 'pnpm' ? 'pnpm install --frozen-lockfile' : lock ? 'npm ci' : 'npm install'} --ignore-scripts`;
  const manifest = JSON.stringify({ dependencies: pkg.dependencies, devDependencies: pkg.devDependencies });
  const key = createHash('sha256')
    .update(manager)
    .update(manifest)
    .update(lockBytes ?? 'no-lockfile')
    .digest('hex')
    .slice(0, 24);
  const root = cacheRoot();
  const entry = join(root, key);
  // Without a lockfile the resolution can change from day to day, so nothing is reused.
  const done = (dir: string, cached: boolean, cleanup = (): void => {}): InstallResult => ({
    manager,
    command,
    nodeModules: join(dir, 'node_modules'),
    cached,
    ms: Date.now() - started,
    cleanup,
  });
  if (lock && existsSync(join(entry, '.complete'))) {
    const now = new Date();
    utimesSync(join(entry, '.complete'), now, now);
    return done(entry, true);
  }

  const asNobody = isRoot();
  const tmp = `${entry}.tmp-${process.pid}-${Date.now()}`;
  const home = join(root, 'home');
  mkdirSync(tmp, { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(tmp, 'package.json'),
    JSON.stringify({ name: 'submission-deps', private: true, ...JSON.parse(manifest) }),
  );
  if (lock && lockBytes) writeFileSync(join(tmp, lock), lockBytes);
  if (asNobody) {
    chownSync(tmp, SANDBOX_UID, SANDBOX_GID);
    chownSync(home, SANDBOX_UID, SANDBOX_GID);
    if (lock) chownSync(join(tmp, lock), SANDBOX_UID, SANDBOX_GID);
    chownSync(join(tmp, 'package.json'), SANDBOX_UID, SANDBOX_GID);
  }
  const env: Record<string, string> = {
    // How this machine reaches the registry (a proxy, an extra CA), and nothing else of ours.
    ...pick(process.env, REGISTRY_ACCESS),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    npm_config_cache: join(home, '.npm'),
    npm_config_ignore_scripts: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_yes: 'true',
    CI: 'true',
  };
  const log = new TailBuffer(32 * 1024);
  const onChunk = (c: Buffer): void => {
    log.push(c);
    opts.onOutput?.(c);
  };
  const sandboxOpts = {
    cwd: tmp,
    env,
    timeoutMs: opts.timeoutMs,
    rw: [tmp, home],
    // npm's and pnpm's machine-wide settings (registry, CA file, perhaps a token) are the
    // installer's alone: never bound into a candidate's sandbox.
    ro: ['/etc/npmrc', ...(env.NODE_EXTRA_CA_CERTS ? [env.NODE_EXTRA_CA_CERTS] : [])],
    onChunk,
  };
  let code: number | null;
  if (manager === 'pnpm') {
    code = await runInstaller(
      [
        'pnpm',
        'install',
        '--frozen-lockfile',
        '--ignore-scripts',
        '--config.confirmModulesPurge=false',
        `--store-dir=${join(home, '.pnpm-store')}`,
      ],
      sandboxOpts,
    );
  } else {
    code = await runInstaller(
      ['npm', lock ? 'ci' : 'install', '--ignore-scripts', '--no-audit', '--no-fund'],
      sandboxOpts,
    );
  }
  if (code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new SubmissionError(
      'install',
      `Installing dependencies failed (\`${command}\` exited with ${code}).`,
      log.tail(25),
    );
  }
  if (asNobody) chownTree(tmp, 0, 0);
  if (!lock) return done(tmp, false, () => rmSync(tmp, { recursive: true, force: true }));
  commitCacheEntry(tmp, entry);
  return done(entry, false);
}

/**
 * Put a finished tree in its cache entry: marked complete, renamed into place at once (so an
 * entry is whole or absent), then the cache trimmed to its cap.
 */
export function commitCacheEntry(tmp: string, entry: string): void {
  writeFileSync(join(tmp, '.complete'), new Date().toISOString());
  // An entry without .complete is a crashed run's leftover.
  if (existsSync(entry) && !existsSync(join(entry, '.complete')))
    rmSync(entry, { recursive: true, force: true });
  try {
    renameSync(tmp, entry);
  } catch {
    // a concurrent run finished the same entry first; theirs is identical
    rmSync(tmp, { recursive: true, force: true });
  }
  evictCache(dirname(entry), entry);
}
