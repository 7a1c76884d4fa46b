import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { InfraError } from '../errors.ts';
import { freePort, TailBuffer, waitFor } from '../util.ts';
import type { ProvisionContext, RunningService } from './types.ts';

/** Resolves true when a Redis at host:port answers PING with PONG. */
export function redisPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, host, () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

function redisBin(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Start a throwaway Redis (no persistence) on a free port of this network namespace. */
export async function startLocalRedis(ctx: ProvisionContext): Promise<RunningService> {
  const bin = redisBin();
  if (!bin) throw new InfraError('redis-server not found: apt-get install redis-server (or set REDIS_URL)');
  const port = await freePort();
  const dir = join(ctx.runDir, `redis-${port}`);
  mkdirSync(dir, { recursive: true });
  const log = new TailBuffer(8 * 1024);
  const child: ChildProcess = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      // Redis rewrites its process title over its environment, which would hide the run's
      // marker from the final sweep.
      '--set-proc-title',
      'no',
      '--daemonize',
      'no',
    ],
    { env: { ...ctx.markerEnv, PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
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
  const ready = await waitFor(() => redisPing('127.0.0.1', port), {
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
    url: `redis://127.0.0.1:${port}`,
    description: `local redis ${version} (ephemeral, no persistence)`,
    stop,
  };
}
