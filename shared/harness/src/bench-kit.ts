import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { installDependencies } from './install.ts';
import { waitFor } from './util.ts';

/** Whether `taskset` can pin processes to cores on this machine. */
export const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset']).status === 0;

/**
 * Benches put servers on core 0 and the load generator on core 1, as the environment notes
 * measured: this pins the calling process (the load) to core 1.
 */
export function loadOnCore1(): void {
  if (hasTaskset) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
}

/** `cmd args` run on core 0 when taskset exists. */
export function onCore0(cmd: string, args: string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', '0', cmd, ...args]] : [cmd, args];
}

/** A server process on core 0 listening on `port`; returns its origin. */
export function startOnCore0(
  children: ChildProcess[],
  port: number,
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): string {
  const [c, a] = onCore0(cmd, args);
  children.push(spawn(c, a, { cwd, env: { ...env, PORT: String(port) }, stdio: 'ignore' }));
  return `http://127.0.0.1:${port}`;
}

/**
 * Calls per command name since the Redis server at `adminUrl` started, from INFO commandstats.
 * The admin user's URL: the candidate's user may not run INFO, and redis-cli prints a refusal with
 * exit code 0, which read as no calls at all.
 */
export function commandStats(adminUrl: string): Map<string, number> {
  const out = execFileSync('redis-cli', ['-u', adminUrl, '--no-auth-warning', 'info', 'commandstats'], {
    encoding: 'utf8',
  });
  if (!out.includes('# Commandstats')) throw new Error(`INFO commandstats refused: ${out.trim()}`);
  return new Map(
    [...out.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)].map((m): [string, number] => [
      m[1]!,
      Number(m[2]),
    ]),
  );
}

/** Resolves once `url` answers 2xx; throws after 10 s. */
export async function waitUp(url: string, timeoutMs = 10_000): Promise<void> {
  if (!(await waitFor(async () => (await fetch(url)).ok, { timeoutMs })))
    throw new Error(`${url} never came up`);
}

/**
 * A submission copied to `dest` (without node_modules and dist), its dependencies installed from
 * its lockfile through the grading cache, and built when it has a tsconfig.json.
 */
export async function prepareCopy(src: string, dest: string): Promise<string> {
  if (src !== dest)
    cpSync(src, dest, { recursive: true, filter: (p) => !p.endsWith('node_modules') && !p.endsWith('dist') });
  const deps = await installDependencies(dest, { timeoutMs: 300_000 });
  if (deps.nodeModules) symlinkSync(deps.nodeModules, join(dest, 'node_modules'));
  if (existsSync(join(dest, 'tsconfig.json')))
    execFileSync(join(dest, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: dest });
  return dest;
}
