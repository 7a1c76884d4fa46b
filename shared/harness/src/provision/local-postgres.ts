import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { InfraError } from '../errors.ts';
import { hashTree } from '../provenance.ts';
import { isAlive } from '../supervisor/proc.ts';
import { freePort, isRoot, privateDir, TailBuffer, waitFor } from '../util.ts';
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

/** Postgres refuses to run as root, and Redis is not let: the account both run as. */
export function serviceUser(): { uid: number; gid: number; name: string } | null {
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

/** The harness's own directory on tmpfs: templates and data dirs, out of others' reach. */
export function harnessTmpRoot(): string {
  return privateDir(join(fastTmpRoot(), `bc-harness-${process.getuid?.() ?? 0}`), 0o711);
}

/** SHA-256 of every file of a data dir (links and special files are never in a fresh one). */
function treeDigest(dir: string): string {
  return hashTree(createHash('sha256'), dir, () => false).digest('hex');
}

/**
 * A ready-made, never-started data directory per Postgres version and user: copying it (~50 ms)
 * is much cheaper than initdb (~0.7 s), and it is shared by every run on the machine. It lives in
 * the harness's private directory, owned by the harness user, mode 0700; its digest is recorded
 * when it is made and checked before every copy, so no run can change what the next one starts
 * from. Returns the data directory to copy.
 * Clients on TCP need a password; only the harness reaches the server's unix socket.
 */
function templateDir(bin: string, user: ReturnType<typeof serviceUser>): string {
  const version = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).match(
    /\d+(\.\d+)*/,
  )?.[0];
  const owner = user?.name ?? userInfo().username;
  // One directory holds the data dir and its digest, renamed into place at once: a template is
  // whole or absent, also when several runs make it at the same time.
  const dir = join(harnessTmpRoot(), `pg-template-${version}-${owner}`);
  const data = join(dir, 'data');
  const verified = (): boolean => {
    try {
      const st = lstatSync(data);
      const own = process.getuid?.() ?? st.uid;
      return (
        st.isDirectory() &&
        st.uid === own &&
        (st.mode & 0o077) === 0 &&
        treeDigest(data) === readFileSync(join(dir, 'sha256'), 'utf8')
      );
    } catch {
      return false;
    }
  };
  if (verified()) return data;
  // Changed since it was made (or half made by a crashed run): never copied, made anew.
  rmSync(dir, { recursive: true, force: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  const tmpData = join(tmp, 'data');
  rmSync(tmp, { recursive: true, force: true });
  // initdb runs as the service user: it must reach its data dir through the one around it.
  mkdirSync(tmp, { mode: 0o711 });
  mkdirSync(tmpData, { mode: 0o700 });
  if (user) execFileSync('chown', [`${user.uid}:${user.gid}`, tmpData]);
  try {
    execFileSync(
      join(bin, 'initdb'),
      [
        '-D',
        tmpData,
        '-U',
        'postgres',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--no-sync',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...asUser(user), stdio: 'pipe', cwd: '/' },
    );
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const err = e as { stderr?: Buffer };
    throw new InfraError(`initdb failed: ${err.stderr?.toString().trim().split('\n').pop() ?? String(e)}`);
  }
  // The harness's, closed to everyone else: a run copies it and chowns its copy.
  execFileSync('chown', ['-R', `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`, tmp]);
  execFileSync('chmod', ['-R', 'go-rwx', tmp]);
  writeFileSync(join(tmp, 'sha256'), treeDigest(tmpData), { mode: 0o600 });
  try {
    renameSync(tmp, dir);
  } catch {
    // another run put its own in place first
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!verified()) throw new InfraError(`the Postgres template in ${dir} does not match its digest`);
  return data;
}

/** Data dirs (on tmpfs: RAM) of runs whose process died without removing them. */
function removeDeadDataDirs(): void {
  const root = harnessTmpRoot();
  for (const d of readdirSync(root)) {
    const pid = Number(d.match(/^(?:pg|redis)-(\d+)-/)?.[1]);
    if (!pid) continue;
    if (!isAlive(pid)) rmSync(join(root, d), { recursive: true, force: true });
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
  const dataDir = join(harnessTmpRoot(), `pg-${process.pid}-${Date.now().toString(36)}`);
  execFileSync('cp', ['-a', template, dataDir]);
  const sockDir = join(dataDir, 'sock');
  mkdirSync(sockDir, { mode: 0o700 });
  if (user) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, dataDir]);
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
      ...settingArgs(ctx.postgresSettings),
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
  // The harness alone, as the superuser, on the unix socket in the private data dir.
  const socket = { host: sockDir, port, user: 'postgres', database: 'postgres' };
  const ready = await waitFor(
    async () => {
      const c = new pg.Client({ ...socket, connectionTimeoutMillis: 1000 });
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
  const admin = new pg.Client(socket);
  await admin.connect();
  try {
    // SHOW names its column after the setting, so it is read as server_version.
    const version =
      (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
    const adminPassword = secret();
    await admin.query(`ALTER ROLE postgres PASSWORD '${adminPassword}'`);
    const tenant = await createTenant(admin, { role: 'app', database: 'app' });
    const at = (who: string, password: string) => `postgres://${who}:${password}@127.0.0.1:${port}/app`;
    return {
      host: '127.0.0.1',
      port,
      url: at(tenant.role, tenant.password),
      adminUrl: at('postgres', adminPassword),
      description: `local postgres ${version} (ephemeral, tmpfs, fsync off)`,
      stop,
    };
  } finally {
    await admin.end();
  }
}

/** A grader's Postgres settings as server arguments: `-c name=value` each. */
export const settingArgs = (settings: Record<string, string> = {}): string[] =>
  Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);

/**
 * Refuses a server (from DATABASE_URL) that lacks a setting the grader needs: its tests would
 * fail for the server's sake, not the candidate's.
 */
export async function checkSettings(admin: pg.Client, settings: Record<string, string> = {}): Promise<void> {
  for (const [name, value] of Object.entries(settings)) {
    const actual = await admin
      .query<{ setting: string }>('SELECT current_setting($1, true) AS setting', [name])
      .then((r) => r.rows[0]?.setting ?? null);
    if (actual !== value) {
      throw new InfraError(
        `this grader needs the Postgres setting ${name} = '${value}' (the server at DATABASE_URL has ${actual === null ? 'none' : `'${actual}'`})`,
      );
    }
  }
}

/** Whether a client with `config` can log in and end again (a URL or pg's client config). */
export async function pgConnects(config: string | pg.ClientConfig, timeoutMs = 1000): Promise<boolean> {
  const c = new pg.Client({
    ...(typeof config === 'string' ? { connectionString: config } : config),
    connectionTimeoutMillis: timeoutMs,
  });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    await c.end().catch(() => {});
    return false;
  }
}

/** A password for one run's role: URL-safe, never reused. */
export const secret = (): string => randomBytes(18).toString('base64url');

/**
 * A database of the run's own, owned by a role of its own that can log in with a password and
 * nothing more: no superuser, no server files, no `COPY … PROGRAM`, no other database.
 */
export async function createTenant(
  admin: pg.Client,
  names: { role: string; database: string },
): Promise<{ role: string; password: string; database: string }> {
  const password = secret();
  const role = pg.escapeIdentifier(names.role);
  const database = pg.escapeIdentifier(names.database);
  await admin.query(
    `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '${password}'`,
  );
  // A user's database sorts text the way people do (ICU's en-US), not byte-wise as the template
  // cluster's C locale would: a submission that forgets a COLLATE its README asks for must sort
  // wrongly here as it would in production. Servers without ICU (before 15) keep their default.
  await admin
    .query(
      `CREATE DATABASE ${database} OWNER ${role} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`,
    )
    .catch(() => admin.query(`CREATE DATABASE ${database} OWNER ${role}`));
  // Every other database is closed to it (and to any role it could make, which it cannot).
  const others = await admin.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE datallowconn AND datname <> $1',
    [names.database],
  );
  for (const { datname } of others.rows) {
    await admin.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${pg.escapeIdentifier(datname)} FROM PUBLIC`);
  }
  await admin.query(`REVOKE CONNECT ON DATABASE ${database} FROM PUBLIC`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${role}`);
  return { role: names.role, password, database: names.database };
}
