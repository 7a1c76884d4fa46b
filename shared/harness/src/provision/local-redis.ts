import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { InfraError } from '../errors.ts';
import { freePort, TailBuffer, waitFor } from '../util.ts';
import { harnessTmpRoot, secret, serviceUser } from './local-postgres.ts';
import type { ProvisionContext, RunningService } from './types.ts';

/** Resolves true when a Redis at host:port answers PING with PONG (after AUTH, with `auth`). */
export function redisPing(
  host: string,
  port: number,
  timeoutMs = 500,
  auth?: { user?: string; password: string },
): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('error', () => done(false));
    const bulk = (a: string): string => `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    const authCmd = auth
      ? [
          `*${auth.user ? 3 : 2}\r\n`,
          bulk('AUTH'),
          ...(auth.user ? [bulk(auth.user)] : []),
          bulk(auth.password),
        ].join('')
      : '';
    s.connect(port, host, () => s.write(`${authCmd}PING\r\n`));
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('+PONG')) done(true);
      else if (got.startsWith('-') || got.includes('\r\n-')) done(false);
    });
  });
}

function redisBin(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** The ACL of the run's own Redis user: every command on every key, none of the server's administration. */
export const CANDIDATE_ACL = ['on', '~*', '&*', '+@all', '-@admin'];

/** Give the run its Redis user `name` (CANDIDATE_ACL) through an administrator's client; returns its password. */
export async function addCandidateUser(admin: Redis, name: string): Promise<string> {
  const password = secret();
  await admin.call('ACL', 'SETUSER', name, 'reset', ...CANDIDATE_ACL, `>${password}`);
  return password;
}

/**
 * Start a throwaway Redis (no persistence) on a free port of this network namespace, as an
 * unprivileged user, its configuration on stdin (no password on a command line). The default user
 * is the harness's, with a password; the run gets a user of its own without administration.
 */
export async function startLocalRedis(ctx: ProvisionContext): Promise<RunningService> {
  const bin = redisBin();
  if (!bin) throw new InfraError('redis-server not found: apt-get install redis-server (or set REDIS_URL)');
  const port = await freePort();
  const user = serviceUser();
  const dir = join(harnessTmpRoot(), `redis-${process.pid}-${port}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user) execFileSync('chown', [`${user.uid}:${user.gid}`, dir]);
  const adminPassword = secret();
  const password = secret();
  const config = [
    `port ${port}`,
    'bind 127.0.0.1',
    'save ""',
    'appendonly no',
    `dir ${dir}`,
    // Redis rewrites its process title over its environment, which would hide the run's marker
    // from the final sweep.
    'set-proc-title no',
    'daemonize no',
    'enable-debug-command no',
    'enable-module-command no',
    `user default on >${adminPassword} ~* &* +@all`,
    `user app ${CANDIDATE_ACL.join(' ')} >${password}`,
  ].join('\n');
  const log = new TailBuffer(8 * 1024);
  const child: ChildProcess = spawn(bin, ['-'], {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    env: { ...ctx.markerEnv, PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: dir,
  });
  child.stdin?.end(`${config}\n`);
  child.stdout?.on('data', (c: Buffer) => log.push(c));
  child.stderr?.on('data', (c: Buffer) => log.push(c));
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const stop = async (): Promise<void> => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = await waitFor(() => redisPing('127.0.0.1', port, 500, { password: adminPassword }), {
    timeoutMs: 10_000,
    intervalMs: 20,
    abort: () => exited,
  });
  if (!ready) {
    await stop();
    throw new InfraError(`local Redis did not start: ${log.tail(3).replace(/\n/g, ' | ')}`);
  }
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[1] ?? '?';
  return {
    host: '127.0.0.1',
    port,
    url: `redis://app:${password}@127.0.0.1:${port}`,
    adminUrl: `redis://default:${adminPassword}@127.0.0.1:${port}`,
    description: `local redis ${version} (ephemeral, no persistence, run's own ACL user)`,
    stop,
  };
}
