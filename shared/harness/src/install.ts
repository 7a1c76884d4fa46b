import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubmissionError } from './errors.ts';
import { SANDBOX_GID, SANDBOX_UID } from './supervisor/sandbox.ts';
import { isRoot, TailBuffer } from './util.ts';

/** What the installer did. */
/** Environment variables that say how to reach the package registry from this machine. */
const REGISTRY_ACCESS = [
  'NODE_EXTRA_CA_CERTS',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
];

const pick = (env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> =>
  Object.fromEntries(keys.flatMap((k) => (env[k] ? [[k, env[k]!]] : [])));

export interface InstallResult {
  manager: 'npm' | 'pnpm' | 'none';
  /** A read-only node_modules directory to mount (or link) into the work dir, if any. */
  nodeModules: string | null;
  cached: boolean;
  ms: number;
  /** Removes a per-run tree (installs without a lockfile are never shared). */
  cleanup(): void;
}

/** The minimal package.json fields the harness reads. */
export interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Shared, machine-wide cache of installed dependency trees keyed by lockfile. */
export function cacheRoot(): string {
  const root = process.env.GRADE_CACHE_DIR ?? join(tmpdir(), 'backend-challenges-cache');
  mkdirSync(root, { recursive: true });
  // Candidates run as an unprivileged uid and must be able to read what they mount.
  chmodSync(root, 0o755);
  return root;
}

function run(
  cmd: string,
  args: string[],
  opts: {
    cwd: string;
    env: Record<string, string>;
    timeoutMs: number;
    asNobody: boolean;
    onChunk: (c: Buffer) => void;
  },
): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.asNobody ? { uid: SANDBOX_UID, gid: SANDBOX_GID } : {}),
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
      opts.onChunk(Buffer.from(`[harness] ${cmd}: ${e.message}\n`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function chownTree(dir: string, uid: number, gid: number): void {
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
  const pkg = readPackageJson(workDir);
  const hasDeps =
    Object.keys(pkg.dependencies ?? {}).length + Object.keys(pkg.devDependencies ?? {}).length > 0;
  if (!hasDeps)
    return { manager: 'none', nodeModules: null, cached: false, ms: Date.now() - started, cleanup: () => {} };

  const lock = ['pnpm-lock.yaml', 'package-lock.json'].find((f) => existsSync(join(workDir, f)));
  const manager = lock === 'pnpm-lock.yaml' ? 'pnpm' : 'npm';
  const manifest = JSON.stringify({ dependencies: pkg.dependencies, devDependencies: pkg.devDependencies });
  const key = createHash('sha256')
    .update(manager)
    .update(manifest)
    .update(lock ? readFileSync(join(workDir, lock)) : 'no-lockfile')
    .digest('hex')
    .slice(0, 24);
  const root = cacheRoot();
  const entry = join(root, key);
  // Without a lockfile the resolution can change from day to day, so nothing is reused.
  const done = (dir: string, cached: boolean, cleanup = (): void => {}): InstallResult => ({
    manager,
    nodeModules: join(dir, 'node_modules'),
    cached,
    ms: Date.now() - started,
    cleanup,
  });
  if (lock && existsSync(join(entry, '.complete'))) return done(entry, true);

  const asNobody = isRoot();
  const tmp = `${entry}.tmp-${process.pid}-${Date.now()}`;
  const home = join(root, 'home');
  mkdirSync(tmp, { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(tmp, 'package.json'),
    JSON.stringify({ name: 'submission-deps', private: true, ...JSON.parse(manifest) }),
  );
  if (lock) copyFileSync(join(workDir, lock), join(tmp, lock));
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
  let code: number | null;
  if (manager === 'pnpm') {
    code = await run(
      'pnpm',
      [
        'install',
        '--frozen-lockfile',
        '--ignore-scripts',
        '--config.confirmModulesPurge=false',
        `--store-dir=${join(home, '.pnpm-store')}`,
      ],
      { cwd: tmp, env, timeoutMs: opts.timeoutMs, asNobody, onChunk },
    );
  } else {
    code = await run('npm', [lock ? 'ci' : 'install', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: tmp,
      env,
      timeoutMs: opts.timeoutMs,
      asNobody,
      onChunk,
    });
  }
  if (code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    const what = manager === 'pnpm' ? 'pnpm install --frozen-lockfile' : lock ? 'npm ci' : 'npm install';
    throw new SubmissionError(
      'install',
      `Installing dependencies failed (\`${what}\` exited with ${code}).`,
      log.tail(25),
    );
  }
  if (asNobody) chownTree(tmp, 0, 0);
  if (!lock) return done(tmp, false, () => rmSync(tmp, { recursive: true, force: true }));
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
  return done(entry, false);
}
