import { type ChildProcess, spawn } from 'node:child_process';
import type { Limits } from '../types.ts';
import { sleep, TailBuffer } from '../util.ts';
import { type Cgroup, createCgroup } from './cgroup.ts';
import { killPids, type ProcInfo, processTree } from './proc.ts';
import { type SandboxPlan, wrapCommand } from './sandbox.ts';

/** Why the harness stopped a candidate process on its own. */
export type KillReason = 'memory' | 'pids' | 'output' | 'timeout';

/** How a supervised process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the harness killed it for breaking a limit. */
  killedFor: KillReason | null;
  /** True when it was stopped on purpose (stop()), not when it died by itself. */
  stopped: boolean;
}

/** What to run and under which limits. */
export interface ProcessSpec {
  label: string;
  shellCommand: string;
  cwd: string;
  env: Record<string, string>;
  sandbox: SandboxPlan;
  limits: Limits;
  roBinds?: { src: string; dest: string }[];
  timeoutMs?: number;
  /** Lines of output are passed here as they come (for live views and logs). */
  onOutput?: (chunk: Buffer) => void;
}

/** A candidate process tree under supervision. */
export interface Supervised {
  readonly pid: number;
  readonly output: TailBuffer;
  readonly exited: Promise<ExitInfo>;
  readonly cgroup: Cgroup | null;
  isAlive(): boolean;
  /**
   * Resolves once the candidate's first process runs, or it has exited: a container's once the
   * engine has started it. Absent where the process runs at once.
   */
  readonly running?: Promise<void>;
  /** All pids of the tree right now (the root, its descendants and the cgroup's members). */
  pids(): number[];
  /** SIGTERM the tree, wait up to `graceMs`, then SIGKILL. Resolves when everything is gone. */
  stop(graceMs: number): Promise<ExitInfo & { forced: boolean }>;
  kill(): Promise<ExitInfo>;
}

let seq = 0;
const SHELLS = new Set(['sh', 'dash', 'bash']);
/** Processes that hold a sandbox or container together: they die with it, never signalled. */
const HOLDERS = new Set(['bwrap', 'docker-init']);

/**
 * Whom a graceful stop signals: the candidate's own processes. Not bwrap or a container's init:
 * their death SIGKILLs everything inside. Not a wrapper shell still waiting on a child: it would
 * die at once, and with it the sandbox's pid-namespace init, taking the service down before it
 * could shut down gracefully.
 */
export function gracefulTargets(tree: ProcInfo[]): number[] {
  const parents = new Set(tree.map((p) => p.ppid));
  return tree
    .filter((p) => !HOLDERS.has(p.comm) && !(SHELLS.has(p.comm) && parents.has(p.pid)))
    .map((p) => p.pid);
}

/**
 * Whether every process of the candidate's own in `tree` (whom `gracefulTargets` signals) has
 * exited, though not yet reaped: the wrappers around them exit next. In the late run at nice 19,
 * a service that exited at the suite's last request was still a zombie under its waiting shell
 * when the session stopped it, and "died while being graded" was lost (ci94).
 */
export function ownProcessesExited(tree: ProcInfo[]): boolean {
  const own = new Set(gracefulTargets(tree));
  return tree.every((p) => !own.has(p.pid) || p.state === 'Z');
}

/**
 * Did the process report a refused fork? One refused at the limit (cgroup, container or
 * RLIMIT_NPROC) usually crashes the process itself, often before any watchdog looks: its exit is
 * then named for the limit rather than just its code.
 */
export const forkRefusedIn = (output: TailBuffer): boolean => /\bEAGAIN\b/.test(output.tail(20));

export function describeKill(reason: KillReason, limits: Limits): string {
  switch (reason) {
    case 'memory':
      return `it was killed for using more than ${limits.memoryMb} MB of memory`;
    case 'pids':
      return `it hit the limit of ${limits.pids} processes and threads`;
    case 'output':
      return `it was killed for writing more than ${Math.round(limits.outputBytes / 1024)} KB of output`;
    case 'timeout':
      return 'it was killed for running past its time limit';
  }
}

/** Start `spec` in its own session, contained by the sandbox plan, cgroups and a watchdog. */
export function supervise(spec: ProcessSpec): Supervised {
  const cgroup = createCgroup(`bc-${process.pid}-${++seq}-${spec.label.replace(/\W/g, '')}`, {
    memoryBytes: spec.limits.memoryMb * 1024 * 1024,
    pids: spec.limits.pids,
  });
  const cmd = wrapCommand(spec.sandbox, {
    workDir: spec.cwd,
    shellCommand: spec.shellCommand,
    roBinds: spec.roBinds,
    cgroupProcs: cgroup?.procsFiles,
    // Above the cgroup's limit, so that where there is a cgroup it refuses first and says so.
    nproc: spec.limits.pids + 8,
  });
  const child: ChildProcess = spawn(cmd.file, cmd.args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new TailBuffer(64 * 1024);
  let killedFor: KillReason | null = null;
  let stopped = false;
  let alive = true;
  let peakTasks = 0;
  const rootPid = child.pid ?? -1;

  const pids = (): number[] => {
    const set = new Set<number>(processTree(rootPid).map((p) => p.pid));
    for (const p of cgroup?.pids() ?? []) set.add(p);
    return [...set];
  };

  const killAll = (reason: KillReason | null): void => {
    if (reason && !killedFor) killedFor = reason;
    // New forks may appear while we kill, so go round until the tree is empty.
    for (let i = 0; i < 10; i++) {
      const list = pids();
      if (list.length === 0) break;
      killPids(list, 'SIGKILL');
    }
    try {
      process.kill(-rootPid, 'SIGKILL');
    } catch {
      // group already gone
    }
  };

  const onData = (chunk: Buffer): void => {
    output.push(chunk);
    spec.onOutput?.(chunk);
    if (output.total > spec.limits.outputBytes && !killedFor) {
      killAll('output');
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const watchdog = setInterval(() => {
    if (!alive) return;
    if (cgroup) {
      // The kernel holds the tree to both limits: two files say whether it had to. Reading every
      // process of the machine five times a second instead cost a grading session 0.8 s of CPU in
      // a 28 s grading alone, more among the suite's hundreds of processes (a session's CPU there
      // fell from 2.7 to 2.1 core-s on average, the rest of the suite's by about a tenth).
      if (cgroup.oomKilled()) return killAll('memory');
      if (cgroup.pidsLimitHit() && !killedFor) killAll('pids');
      return;
    }
    const tree = processTree(rootPid);
    const rss = tree.reduce((s, p) => s + p.rssBytes, 0);
    const tasks = tree.reduce((s, p) => s + p.threads, 0);
    peakTasks = Math.max(peakTasks, tasks);
    if (rss > spec.limits.memoryMb * 1024 * 1024) return killAll('memory');
    if (tasks > spec.limits.pids) return killAll('pids');
  }, 200);
  watchdog.unref();

  const timer = spec.timeoutMs ? setTimeout(() => killAll('timeout'), spec.timeoutMs) : null;

  const exited = new Promise<ExitInfo>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (!alive) return;
      alive = false;
      clearInterval(watchdog);
      if (timer) clearTimeout(timer);
      // The root may exit while descendants linger (daemons, ignored SIGHUP): reap them too.
      killAll(null);
      if (cgroup?.oomKilled() && !killedFor) killedFor = 'memory';
      const atLimit = cgroup?.pidsLimitHit() || peakTasks >= spec.limits.pids - 2 || forkRefusedIn(output);
      if (atLimit && !killedFor && code !== 0) killedFor = 'pids';
      cgroup?.destroy();
      resolve({ code, signal, killedFor, stopped });
    };
    child.on('exit', done);
    child.on('error', (err) => {
      output.push(Buffer.from(`[harness] could not start: ${err.message}\n`));
      done(127, null);
    });
  });

  return {
    pid: rootPid,
    output,
    exited,
    cgroup,
    isAlive: () => alive,
    pids,
    ...stopControls({
      exited,
      isAlive: () => alive,
      // A process that died on its own just before the stop (its exit not yet seen: the event
      // loop was busy) died while being graded, and the report must say so. A root that has
      // exited is a zombie or gone, so its own processes have too.
      markStopped: () => {
        if (!ownProcessesExited(processTree(rootPid))) stopped = true;
      },
      terminate: () => killPids(gracefulTargets(processTree(rootPid)), 'SIGTERM'),
      killAll: () => killAll(null),
    }),
  };
}

/**
 * `stop` and `kill` of a supervised process, given how to SIGTERM its own processes and how to
 * kill everything: the grace and what counts as forced are the same wherever it runs.
 */
export function stopControls(p: {
  exited: Promise<ExitInfo>;
  isAlive: () => boolean;
  markStopped: () => void;
  terminate: () => Promise<void> | void;
  killAll: () => void;
}): Pick<Supervised, 'stop' | 'kill'> {
  return {
    stop: async (graceMs) => {
      p.markStopped();
      if (!p.isAlive()) return { ...(await p.exited), forced: false };
      await p.terminate();
      const graceful = await Promise.race([p.exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!graceful) p.killAll();
      return { ...(await p.exited), forced: !graceful };
    },
    kill: async () => {
      p.markStopped();
      p.killAll();
      return p.exited;
    },
  };
}
