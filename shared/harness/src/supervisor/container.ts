import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InfraError } from '../errors.ts';
import { sleep, TailBuffer } from '../util.ts';
import { readNum } from './cgroup.ts';
import { killPids, processTree } from './proc.ts';
import {
  type ExitInfo,
  forkRefusedIn,
  gracefulTargets,
  type KillReason,
  type ProcessSpec,
  type Supervised,
  stopControls,
} from './supervise.ts';

const run = promisify(execFile);

/** The label every container and network of a grading run carries: the run's id, ending in its owner's pid. */
export const RUN_LABEL = 'backend-challenges.run';

/** CPUs each candidate container may use. */
export const CONTAINER_CPUS = 2;

/** `docker <args>`, its stdout; never throws (an empty string when the command failed). */
export async function dockerOut(...args: string[]): Promise<string> {
  try {
    return (await run('docker', args, { timeout: 30_000 })).stdout.trim();
  } catch {
    return '';
  }
}

/** A run's own Docker network: internal (no route out), with a subnet of its own for fixed addresses. */
export interface RunNetwork {
  name: string;
  /** The host's bridge interface of the network: client addresses of the grader go on it. */
  bridge: string;
  /** The host's address on the network: proxies and stubs listen here for the candidate. */
  gateway: string;
  /** The fixed address of candidate instance `index` (a restart keeps it, so its URL holds). */
  addressOf(index: number): string;
}

/**
 * Create the run's network. Docker refuses a subnet another network uses ("Pool overlaps"), so a
 * few random /24s of 172.30.0.0/16 are tried.
 */
export async function createRunNetwork(runId: string): Promise<RunNetwork> {
  const name = `bc-${runId}`;
  let last = '';
  for (let attempt = 0; attempt < 12; attempt++) {
    const third = Math.floor(Math.random() * 256);
    const prefix = `172.30.${third}`;
    try {
      const { stdout } = await run(
        'docker',
        [
          'network',
          'create',
          '--internal',
          '--subnet',
          `${prefix}.0/24`,
          '--gateway',
          `${prefix}.1`,
          '--label',
          `${RUN_LABEL}=${runId}`,
          name,
        ],
        { timeout: 30_000 },
      );
      return {
        name,
        bridge: `br-${stdout.trim().slice(0, 12)}`,
        gateway: `${prefix}.1`,
        addressOf: (index) => `${prefix}.${10 + index}`,
      };
    } catch (e) {
      last = firstLine(e);
      if (!/overlap/i.test(last)) break;
    }
  }
  throw new InfraError(`could not create the run's Docker network: ${last}`);
}

/** Remove the run's network (after its containers). */
export async function removeRunNetwork(name: string): Promise<void> {
  await dockerOut('network', 'rm', name);
}

/** Where candidate containers run: the image, the identity, the CPU share. */
export interface ContainerTarget {
  image: string;
  runId: string;
  /** The run's network, or "none" (a build needs no network). */
  network: string;
  /** A fixed address on `network`. */
  address?: string;
  /** The port the service listens on: forwarded from the network to its loopback (see below). */
  port?: number;
  /** "uid:gid", never root. */
  user: string;
}

/**
 * The contract lets a service listen on 127.0.0.1 only. In a container that address is its own,
 * out of the grader's reach, so connections to the container's `port` are DNATed to its loopback,
 * inside its network namespace only; the service still sees each client's own address (a relay
 * would make every client one). Returns why it could not be done, or null.
 */
async function forwardToLoopback(pid: number, port: number): Promise<string | null> {
  const script = [
    'sysctl -qw net.ipv4.conf.eth0.route_localnet=1',
    `iptables -t nat -A PREROUTING -i eth0 -p tcp --dport ${port} -j DNAT --to-destination 127.0.0.1:${port}`,
  ].join(' && ');
  try {
    await run('nsenter', ['-t', String(pid), '-n', 'sh', '-c', script], { timeout: 10_000 });
    return null;
  } catch (e) {
    return `could not forward the container's port ${port} to its loopback (${firstLine(e)}): only a service listening on all interfaces can be reached`;
  }
}

/** The pids cgroup file that counts refused forks, from the container's first process. */
function pidsEventsOf(pid: number): string | null {
  try {
    const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
    const v1 = lines.find((l) => /^\d+:pids:/.test(l));
    if (v1) return join('/sys/fs/cgroup/pids', v1.split(':')[2]!, 'pids.events');
    const v2 = lines.find((l) => l.startsWith('0::'));
    return v2 ? join('/sys/fs/cgroup', v2.slice(3), 'pids.events') : null;
  } catch {
    return null;
  }
}

const forksRefused = (file: string | null): boolean => file !== null && readNum(file, 'max') > 0;

/** The first line of what a failed command said. */
const firstLine = (e: unknown): string =>
  ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n')[0]!;

let seq = 0;

/**
 * Run `spec` in a container of its own (the same contract as `supervise`): read-only root, tmpfs
 * /tmp, no capabilities, a non-root user, memory/pids/CPU limits the engine enforces, the work dir
 * bind-mounted at its own path so paths in output read the same as locally.
 */
export function superviseContainer(spec: ProcessSpec, target: ContainerTarget): Supervised {
  const name = `bc-${target.runId}-${spec.label.replace(/\W/g, '')}-${++seq}`;
  const mem = `${spec.limits.memoryMb}m`;
  const args = [
    'run',
    '--name',
    name,
    // docker-init reaps orphans and passes signals on, as an init should.
    '--init',
    '--sig-proxy=false',
    '--label',
    `${RUN_LABEL}=${target.runId}`,
    '--network',
    target.network,
    ...(target.address ? ['--ip', target.address] : []),
    '--memory',
    mem,
    '--memory-swap',
    mem,
    '--pids-limit',
    String(spec.limits.pids),
    '--cpus',
    String(CONTAINER_CPUS),
    '--read-only',
    '--tmpfs',
    '/tmp:rw,exec,size=64m',
    '--user',
    target.user,
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '-v',
    `${spec.cwd}:${spec.cwd}`,
    ...(spec.roBinds ?? []).flatMap((b) => ['-v', `${b.src}:${b.dest}:ro`]),
    '-w',
    spec.cwd,
    // Values come from the client's own environment, so none shows in a process listing. PATH is
    // the container's, given outright: the client needs the host's to find itself.
    ...Object.keys(spec.env).flatMap((k) => (k === 'PATH' ? ['-e', `PATH=${spec.env.PATH}`] : ['-e', k])),
    target.image,
    'sh',
    '-c',
    spec.shellCommand,
  ];
  const client = spawn('docker', args, {
    env: { ...spec.env, PATH: process.env.PATH ?? '/usr/bin:/bin', ...dockerClientEnv() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new TailBuffer(64 * 1024);
  let killedFor: KillReason | null = null;
  let stopped = false;
  let alive = true;
  let peakTasks = 0;
  let initPid = 0;
  let pidsEvents: string | null = null;

  const pids = (): number[] => (initPid ? processTree(initPid).map((p) => p.pid) : []);
  const killAll = (reason: KillReason | null): void => {
    if (reason && !killedFor) killedFor = reason;
    void dockerOut('kill', name);
  };

  const onData = (chunk: Buffer): void => {
    output.push(chunk);
    spec.onOutput?.(chunk);
    if (output.total > spec.limits.outputBytes && !killedFor) killAll('output');
  };
  client.stdout?.on('data', onData);
  client.stderr?.on('data', onData);

  // The container's first process, once the engine has started it: its tree is the candidate's.
  // Polled for as long as the client lives, not a fixed number of times: on a loaded machine each
  // poll (a docker client at the harness's priority) and the engine's start are slow.
  const running = (async () => {
    while (alive && !initPid) {
      const pid = Number(await dockerOut('inspect', '-f', '{{.State.Pid}}', name));
      if (pid > 0) {
        initPid = pid;
        pidsEvents = pidsEventsOf(pid);
        if (target.port) {
          const why = await forwardToLoopback(pid, target.port);
          if (why) output.push(Buffer.from(`[harness] ${why}\n`));
        }
      } else await sleep(100);
    }
  })();

  const watchdog = setInterval(() => {
    if (!alive || !initPid || killedFor) return;
    if (forksRefused(pidsEvents)) return killAll('pids');
    const tree = processTree(initPid);
    const rss = tree.reduce((s, p) => s + p.rssBytes, 0);
    peakTasks = Math.max(
      peakTasks,
      tree.reduce((s, p) => s + p.threads, 0),
    );
    if (rss > spec.limits.memoryMb * 1024 * 1024) killAll('memory');
  }, 200);
  watchdog.unref();
  const timer = spec.timeoutMs ? setTimeout(() => killAll('timeout'), spec.timeoutMs) : null;

  const exited = new Promise<ExitInfo>((resolve) => {
    let settled = false;
    const done = async (clientCode: number | null): Promise<void> => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      if (timer) clearTimeout(timer);
      const state = await dockerOut('inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', name);
      await dockerOut('rm', '-f', '-v', name);
      alive = false;
      const [oom, exitCode] = state.split(' ');
      if (oom === 'true' && !killedFor) killedFor = 'memory';
      const code = state ? Number(exitCode) : clientCode;
      const atLimit = forksRefused(pidsEvents) || peakTasks >= spec.limits.pids - 2 || forkRefusedIn(output);
      if (atLimit && !killedFor && code !== 0) killedFor = 'pids';
      // The engine reports a signal death as 128 + the signal, as a shell does: say it as a signal.
      const signal = code !== null && code > 128 ? signalName(code - 128) : null;
      resolve({ code: signal ? null : code, signal, killedFor, stopped });
    };
    client.on('exit', (code) => void done(code));
    client.on('error', (err) => {
      output.push(Buffer.from(`[harness] could not start docker: ${err.message}\n`));
      void done(127);
    });
  });

  // SIGTERM the candidate's own processes, as in local mode (see gracefulTargets); where the
  // harness may not signal them, the container's init passes the engine's SIGTERM on.
  const terminate = async (): Promise<void> => {
    const targets = initPid ? gracefulTargets(processTree(initPid)) : [];
    if (targets.length && process.getuid?.() === 0) killPids(targets, 'SIGTERM');
    else await dockerOut('kill', '--signal', 'SIGTERM', name);
  };

  return {
    pid: client.pid ?? -1,
    output,
    exited,
    cgroup: null,
    isAlive: () => alive,
    running,
    pids,
    ...stopControls({
      exited,
      isAlive: () => alive,
      markStopped: () => {
        stopped = true;
      },
      terminate,
      killAll: () => killAll(null),
    }),
  };
}

/** What the docker client itself needs from the harness's environment (not passed to the container). */
function dockerClientEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_CONTEXT']) {
    const v = process.env[k];
    if (v) out[k] = v;
  }
  return out;
}

const SIGNALS: Record<number, NodeJS.Signals> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  15: 'SIGTERM',
};
const signalName = (n: number): NodeJS.Signals | null => SIGNALS[n] ?? null;
