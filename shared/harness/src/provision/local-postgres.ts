import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { InfraError } from '../errors.ts';
import { isAlive } from '../supervisor/proc.ts';
import { freePort, isRoot, TailBuffer, waitFor } from '../util.ts';
import type { ProvisionContext, RunningService } from './types.ts';

/** Postgres binaries directory: PG_BIN, else the newest /usr/lib/postgresql/<v>/bin, else PATH. */
export function findPostgresBin(): string | null {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'postgres'))) return fromEnv;
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], 'bin');
  }
  try {
    const p = execFileSync('sh', ['-c', 'command -v postgres'], { encoding: 'utf8' }).trim();
    return p ? p.replace(/\/postgres$/, '') : null;
  } catch {
    return null;
  }
}

/** Postgres refuses to run as root: pick the account it runs as. */
function serviceUser(): { uid: number; gid: number; name: string } | null {
  if (!isRoot()) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid, name };
    } catch {
      // try the next
    }
  }
  throw new InfraError(
    'running as root, but neither a "postgres" nor a "nobody" user exists to run Postgres',
  );
}

/** tmpfs when the machine has one: fsync-free Postgres on RAM starts fastest. */
export function fastTmpRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : (process.env.TMPDIR ?? '/tmp');
}

function asUser(user: ReturnType<typeof serviceUser>) {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

/**
 * A ready-made, never-started data directory per Postgres version and user: copying it (~50 ms)
 * is much cheaper than initdb (~0.7 s), and it is shared by every run on the machine.
 */
function templateDir(bin: string, user: ReturnType<typeof serviceUser>): string {
  const version = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).match(
    /\d+(\.\d+)*/,
  )?.[0];
  const owner = user?.name ?? userInfo().username;
  const dir = join(fastTmpRoot(), `bc-pg-template-${version}-${owner}`);
  if (existsSync(join(dir, 'PG_VERSION'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  if (user) execFileSync('chown', [`${user.uid}:${user.gid}`, tmp]);
  try {
    execFileSync(
      join(bin, 'initdb'),
      ['-D', tmp, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C'],
      { ...asUser(user), stdio: 'pipe', cwd: '/' },
    );
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new InfraError(`initdb failed: ${err.stderr?.toString().trim().split('\n').pop() ?? String(e)}`);
  }
  try {
    renameSync(tmp, dir);
  } catch {
    // another run created it first
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Data dirs (on tmpfs: RAM) of runs whose process died without removing them. */
function removeDeadDataDirs(): void {
  for (const d of readdirSync(fastTmpRoot())) {
    const pid = Number(d.match(/^bc-pg-(\d+)-/)?.[1]);
    if (!pid) continue;
    if (!isAlive(pid)) rmSync(join(fastTmpRoot(), d), { recursive: true, force: true });
  }
}

/** Start a throwaway Postgres on a free port of this network namespace. */
export async function startLocalPostgres(ctx: ProvisionContext): Promise<RunningService> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new InfraError(
      'no Postgres server binaries found: apt-get install postgresql (or set DATABASE_URL, or PG_BIN)',
    );
  }
  const user = serviceUser();
  const template = templateDir(bin, user);
  removeDeadDataDirs();
  const dataDir = join(fastTmpRoot(), `bc-pg-${process.pid}-${Date.now().toString(36)}`);
  execFileSync('cp', ['-a', template, dataDir]);
  const sockDir = join(dataDir, 'sock');
  mkdirSync(sockDir);
  if (user) execFileSync('chown', [`${user.uid}:${user.gid}`, sockDir]);
  const port = await freePort();
  const log = new TailBuffer(16 * 1024);
  const child: ChildProcess = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      sockDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
      '-c',
      'shared_buffers=128MB',
      // Segments in the data dir rather than /dev/shm, so even a SIGKILLed server leaks none.
      '-c',
      'dynamic_shared_memory_type=mmap',
    ],
    {
      ...asUser(user),
      env: { ...ctx.markerEnv, PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: '/',
    },
  );
  child.stdout?.on('data', (c: Buffer) => log.push(c));
  child.stderr?.on('data', (c: Buffer) => log.push(c));
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const ready = await waitFor(
    async () => {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      await c.connect();
      await c.end();
      return true;
    },
    { timeoutMs: 20_000, intervalMs: 30, abort: () => exited },
  );
  const stop = async (): Promise<void> => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (!exited) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (!ready) {
    await stop();
    throw new InfraError(`local Postgres did not start: ${log.tail(3).replace(/\n/g, ' | ')}`);
  }
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('CREATE DATABASE app');
  // SHOW names its column after the setting, so it is read as server_version.
  const version =
    (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
  await admin.end();
  return {
    host: '127.0.0.1',
    port,
    url: `postgres://postgres@127.0.0.1:${port}/app`,
    description: `local postgres ${version} (ephemeral, tmpfs, fsync off)`,
    stop,
  };
}
