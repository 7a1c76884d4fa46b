import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SubmissionError } from './errors.ts';
import { describeProbe, type Probe, probeHealth } from './health.ts';
import { type RunNetwork, superviseContainer } from './supervisor/container.ts';
import { listeningSockets, portBacklog } from './supervisor/proc.ts';
import type { SandboxPlan } from './supervisor/sandbox.ts';
import {
  describeKill,
  type ExitInfo,
  type ProcessSpec,
  type Supervised,
  supervise,
} from './supervisor/supervise.ts';
import { type Limits, REQUEST_TIMEOUT_MS } from './types.ts';
import { freePort, sleep, TailBuffer } from './util.ts';

/** How a one-off run of the submission ended (`InstanceManager.runOnce`). */
export interface OneOffRun {
  code: number | null;
  signal: string | null;
  /** Why the harness killed it (its time or a limit), or that the grader interrupted it; null if not. */
  killed: string | null;
  ms: number;
  /** The last 40 lines it printed. */
  output: string;
}

/** Requests in a row without an answer before the harness checks whether an instance hangs. */
export const HUNG_AFTER = 3;
const HEALTH_PROBE_MS = 2000;
/** How long the engine may take to start a container before the health wait counts anyway. */
const ENGINE_START_MS = 60_000;
/** The health check before each test file, of an instance declared hung. */
const RECHECK_PROBE_MS = 1000;
/**
 * Health checks in a row a hung instance may fail before it is no longer asked: a service that
 * hung during an outage answers at the next file, and asking one that never will cost a second
 * per remaining file (15 s of a hanging grading's minute in query-tuning).
 */
const RECHECKS = 3;
/**
 * Time spent waiting on requests an instance never answered, in all (not in a row), after which
 * it is declared to have stopped answering for the rest of the grading: 15 s per instance, as for
 * a full hang (three requests of 5 s), so a service that answers only some requests is still
 * graded within a minute.
 */
export const ANSWER_BUDGET_MS = 15_000;
/** How long an instance that ended a file answering only errors gets to answer otherwise. */
const STUCK_PROBE_MS = 3000;

/**
 * The port every instance listens on in Docker, where each has a container, a network namespace
 * and an address of its own. It lies below the ephemeral range on purpose: Docker's embedded DNS
 * listens on 127.0.0.11 at random ephemeral ports inside every container, and a free port of the
 * host (taken from that range) once met one of them (the Java starter's bind failed with
 * EADDRINUSE in CI).
 */
export const CONTAINER_PORT = 8080;

/** One running copy of the candidate's service. */
export interface Instance {
  id: string;
  port: number;
  url: string;
  proc: Supervised;
}

/** Everything needed to run candidate code in the work dir. */
export interface CandidateRuntime {
  workDir: string;
  sandbox: SandboxPlan;
  limits: Limits;
  /** Fetched dependencies to mount read-only at `dest` in the work dir, if there are any. */
  deps: { src: string; dest: string } | null;
  /** The language's env for build and start (under the grader's `baseEnv`). */
  runEnv: Record<string, string>;
  baseEnv: Record<string, string>;
  /** With --sandbox docker: every process in a container of its own, instances on this network. */
  docker?: { image: string; runId: string; network: RunNetwork };
}

/** The PATH of the runner image, behind the submission's own binaries. */
const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function candidateEnv(rt: CandidateRuntime, extra: Record<string, string>): Record<string, string> {
  const own = join(rt.workDir, 'node_modules', '.bin');
  return {
    PATH: `${own}:${rt.docker ? CONTAINER_PATH : (process.env.PATH ?? '/usr/bin:/bin')}`,
    HOME: rt.sandbox.mode === 'bwrap' || rt.docker ? '/tmp' : join(rt.workDir, '.home'),
    NODE_ENV: 'production',
    ...rt.runEnv,
    ...rt.baseEnv,
    ...extra,
  };
}

function roBinds(rt: CandidateRuntime) {
  return rt.deps ? [rt.deps] : [];
}

/**
 * Start a candidate process the runtime's way: sandboxed on this machine, or in a container on
 * `network` ("none" for a build) at `address`.
 */
function launch(
  rt: CandidateRuntime,
  spec: ProcessSpec,
  at: { network: string; address?: string; port?: number } = { network: 'none' },
): Supervised {
  if (!rt.docker) return supervise(spec);
  const { uid, gid } = rt.sandbox.runAs!;
  return superviseContainer(spec, {
    image: rt.docker.image,
    runId: rt.docker.runId,
    ...at,
    user: `${uid}:${gid}`,
  });
}

/** Run a package.json script to completion (the build), sandboxed; throws SubmissionError on failure. */
export async function runScript(
  rt: CandidateRuntime,
  opts: { name: string; command: string; timeoutMs: number; onOutput?: (c: Buffer) => void },
): Promise<{ ms: number; output: TailBuffer }> {
  const started = Date.now();
  mkdirSync(join(rt.workDir, '.home'), { recursive: true });
  // Compilers need more room than the service they build (Go's, two packages at once over pgx and
  // x/text, went past 1 GB).
  const limits = { ...rt.limits, memoryMb: Math.max(rt.limits.memoryMb, 2048) };
  const proc = launch(rt, {
    label: opts.name,
    shellCommand: opts.command,
    cwd: rt.workDir,
    env: candidateEnv(rt, {}),
    sandbox: rt.sandbox,
    limits,
    roBinds: roBinds(rt),
    timeoutMs: opts.timeoutMs,
    onOutput: opts.onOutput,
  });
  const exit = await proc.exited;
  if (exit.code !== 0 || exit.killedFor) {
    const why = exit.killedFor
      ? describeKill(exit.killedFor, limits)
      : `it exited with code ${exit.code ?? exit.signal}`;
    throw new SubmissionError(
      'build',
      `The build script (\`${opts.command}\`) failed: ${why}. Nothing could be graded without a build.`,
      proc.output.tail(25),
    );
  }
  return { ms: Date.now() - started, output: proc.output };
}

/** Starts, health-checks, restarts and stops candidate instances; remembers unexpected deaths. */
export class InstanceManager {
  readonly instances = new Map<string, Instance>();
  /** Interleaved output of every instance, each line prefixed with its id. */
  readonly output = new TailBuffer(64 * 1024);
  readonly verdicts: string[] = [];
  private ports = new Map<string, number>();
  /** Requests in a row that got no answer, per instance (reset by any answer). */
  private silent = new Map<string, number>();
  /** Instances that stopped answering: what still needs them fails at once. */
  private readonly hung = new Set<string>();
  /** Instances declared hung at some point of the run: one unanswered request suffices again. */
  private readonly hungBefore = new Set<string>();
  /** Waiting on unanswered requests per instance, over the whole grading (ms of wall time). */
  private readonly waited = new Map<string, number>();
  /** The end of the last unanswered wait counted, per instance: overlapping waits count once. */
  private readonly waitedUntil = new Map<string, number>();
  /** Unanswered requests per instance, over the whole grading: what the budget's verdict counts. */
  private readonly unanswered = new Map<string, number>();
  /** Instances that used up the answer budget: hung until the grading ends, restarts included. */
  private readonly exhausted = new Set<string>();
  /** Health checks before a file a hung instance failed in a row (RECHECKS ends the asking). */
  private readonly unrecovered = new Map<string, number>();
  /** Env a grader deployed on an instance (a rolling deploy), kept across its later restarts. */
  private readonly deployed = new Map<string, Record<string, string>>();
  /** One-off runs so far (each gets an address of its own on a Docker network). */
  private runs = 0;
  /** One-off runs not yet ended: the grading's end kills them with the instances. */
  private readonly running = new Set<Supervised>();
  /** Instances whose last answers in a file were all server errors → the last GET among them. */
  private readonly erroring = new Map<string, string | null>();

  constructor(
    private readonly rt: CandidateRuntime,
    private readonly opts: {
      startCommand: string;
      healthTimeoutMs: number;
      graceMs: number;
      /** Env of one instance beyond the runtime's base env (the grader's `instanceEnv`). */
      envFor?: (id: string) => Record<string, string>;
      onOutput?: (id: string, chunk: Buffer) => void;
      /** A GET path that answers below 500 when the service works (the grader's `probe`). */
      probe?: string;
    },
  ) {}

  /**
   * The submission's start command, sandboxed, with instance `envOf`'s env (the grader's and any
   * deploy's) and `env` on top: an instance, or a one-off run.
   */
  private launchStart(
    label: string,
    envOf: string,
    env: Record<string, string>,
    onOutput: (c: Buffer) => void,
    at: { address?: string; port?: number },
    timeoutMs?: number,
  ): Supervised {
    mkdirSync(join(this.rt.workDir, '.home'), { recursive: true });
    return launch(
      this.rt,
      {
        label,
        shellCommand: this.opts.startCommand,
        cwd: this.rt.workDir,
        env: candidateEnv(this.rt, { ...this.opts.envFor?.(envOf), ...this.deployed.get(envOf), ...env }),
        sandbox: this.rt.sandbox,
        limits: this.rt.limits,
        roBinds: roBinds(this.rt),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        onOutput,
      },
      { network: this.rt.docker?.network.name ?? 'none', ...at },
    );
  }

  /** Start instance `id` (reusing its port on restart) and wait until GET /healthz answers 200. */
  async start(id: string, retried = false): Promise<Instance> {
    const port = this.ports.get(id) ?? (this.rt.docker ? CONTAINER_PORT : await freePort());
    this.ports.set(id, port);
    const address = this.rt.docker?.network.addressOf(id.charCodeAt(0) - 97);
    const proc = this.launchStart(
      `instance-${id}`,
      id,
      { PORT: String(port) },
      (c) => {
        this.output.push(Buffer.from(c.toString('utf8').replace(/^(?=.)/gm, `[${id}] `)));
        this.opts.onOutput?.(id, c);
      },
      { address, port },
    );
    const inst: Instance = { id, port, url: `http://${address ?? '127.0.0.1'}:${port}`, proc };
    this.instances.set(id, inst);
    // A new process starts afresh (though one that hung before is quick to be declared hung again).
    this.hung.delete(id);
    this.silent.delete(id);
    this.unrecovered.delete(id);
    proc.exited.then((exit) => {
      if (!exit.stopped && this.instances.get(id) === inst) {
        this.verdicts.push(`Instance ${id} died while being graded: ${this.describeExit(exit)}.`);
      }
    });
    try {
      await this.waitHealthy(inst);
    } catch (e) {
      if (!(e instanceof Unreachable)) throw e;
      // The service listens and its kernel holds no connection of ours: lost on the way (the
      // harness's network or Docker's) or dropped by the service's own socket (a filter it may
      // attach without privileges). A second start gets a fresh container or sandbox; twice ends
      // in a verdict that says so, as every grading must.
      if (retried) {
        throw new SubmissionError(
          'start',
          `The service never became healthy: ${e.message}, in two starts in a row (instance ${id}).`,
          this.output.tail(25),
        );
      }
      this.output.push(Buffer.from(`[harness] instance ${id}: ${e.message}; starting it again\n`));
      return this.start(id, true);
    }
    return inst;
  }

  describeExit(exit: ExitInfo): string {
    if (exit.killedFor) return describeKill(exit.killedFor, this.rt.limits);
    if (exit.signal) return `it was killed by ${exit.signal}`;
    return `it exited with code ${exit.code}`;
  }

  private async waitHealthy(inst: Instance): Promise<void> {
    // The time to become healthy is the service's own: it is counted once the engine has started
    // the container, whose creation is slow on a loaded machine and none of the candidate's doing.
    // A bound keeps a stuck engine from hanging the grading.
    if (inst.proc.running) await Promise.race([inst.proc.running, sleep(ENGINE_START_MS)]);
    const deadline = Date.now() + this.opts.healthTimeoutMs;
    let last: Probe = { kind: 'refused' };
    while (Date.now() < deadline) {
      if (!inst.proc.isAlive()) {
        const exit = await inst.proc.exited;
        throw new SubmissionError(
          'start',
          `The service crashed during start-up (\`${this.opts.startCommand}\`): ${this.describeExit(exit)} before GET /healthz answered 200.`,
          this.output.tail(25),
        );
      }
      last = await probeHealth(`${inst.url}/healthz`, PROBE);
      if (last.kind === 'status' && last.status === 200) return;
      await sleep(100);
    }
    const pids = inst.proc.pids();
    const sockets = listeningSockets(pids);
    const backlog = portBacklog(pids, inst.port);
    const ports = [...new Set(sockets.map((s) => s.port))];
    await inst.proc.kill();
    const secs = Math.round(this.opts.healthTimeoutMs / 1000);
    let why: string;
    const mine = sockets.filter((s) => s.port === inst.port);
    if (this.rt.docker && mine.length > 0 && mine.every((s) => s.loopback)) {
      why = `it listens on PORT=${inst.port} of its loopback interface only, which nothing outside its container reaches: listen on all interfaces (the default of listen(PORT))`;
    } else if (ports.length > 0 && !ports.includes(inst.port)) {
      why = `it listens on port ${ports.join(', ')}, but the harness passed PORT=${inst.port}: read the port from the PORT environment variable`;
    } else if (ports.includes(inst.port) && backlog.unaccepted > 0) {
      why = `it listens on PORT=${inst.port}, but GET /healthz never answered 200 within ${secs} s: it did not accept the connections (${backlog.unaccepted} waited in its accept queue)`;
    } else if (ports.includes(inst.port) && last.kind === 'unreachable' && backlog.accepted === 0) {
      throw new Unreachable(
        `it listens on PORT=${inst.port}, but no connection from the harness reached it at ${inst.url} within ${secs} s (its kernel held none)`,
      );
    } else if (ports.includes(inst.port)) {
      const unread =
        backlog.unread > 0 ? `; ${backlog.unread} of its connections held a request it never read` : '';
      why = `it accepted connections on PORT=${inst.port}, but GET /healthz never answered 200 within ${secs} s (last: ${describeProbe(last)}${unread})`;
    } else {
      why = `nothing listened on PORT=${inst.port} within ${secs} s`;
    }
    throw new SubmissionError(
      'start',
      `The service never became healthy: ${why}${this.instances.size > 1 ? ` (instance ${inst.id})` : ''}.`,
      this.output.tail(25),
    );
  }

  /**
   * A test's request to `id` got no answer. After HUNG_AFTER in a row, one health check decides:
   * if it hangs too, the instance is declared hung for the rest of the run, so a submission that
   * stops answering is graded in seconds rather than one timeout per remaining request.
   */
  async noteTimeout(id: string, timeoutMs: number): Promise<boolean> {
    if (this.exhausted.has(id)) this.hung.add(id);
    if (this.hung.has(id)) return true;
    // Only requests the README's 5 s rule covers: a shorter bound a grader sets (an answer
    // within 1 s while Redis hangs) measures slowness, not silence. Time, not requests: a burst
    // of concurrent requests left waiting over the same 5 s costs those 5 s once.
    if (timeoutMs >= REQUEST_TIMEOUT_MS) {
      const now = Date.now();
      const until = this.waitedUntil.get(id) ?? 0;
      const from = Math.max(now - timeoutMs, until);
      this.waited.set(id, (this.waited.get(id) ?? 0) + Math.max(0, now - from));
      this.waitedUntil.set(id, Math.max(now, until));
    }
    const waited = this.waited.get(id) ?? 0;
    const n = (this.silent.get(id) ?? 0) + 1;
    this.silent.set(id, n);
    this.unanswered.set(id, (this.unanswered.get(id) ?? 0) + 1);
    if (n < (this.hungBefore.has(id) ? 1 : HUNG_AFTER)) return this.spend(id, waited, n);
    const inst = this.instances.get(id);
    if (!inst) return false;
    const answers = await fetch(`${inst.url}/healthz`, { signal: AbortSignal.timeout(HEALTH_PROBE_MS) })
      .then(() => true)
      .catch(() => false);
    if (this.hung.has(id)) return true;
    if (answers) return this.spend(id, waited, n);
    this.hung.add(id);
    const again = this.hungBefore.has(id);
    this.hungBefore.add(id);
    if (again) return true;
    this.verdicts.push(
      `Instance ${id} stopped answering: ${n} requests in a row got no answer within ${timeoutMs / 1000} s and GET /healthz got none within ${HEALTH_PROBE_MS / 1000} s, so the items still needing it failed at once.`,
    );
    return true;
  }

  /**
   * Past the answer budget, an instance that answers some requests but leaves others hanging is
   * declared to have stopped answering, for good: the rest of what needs it fails at once.
   */
  private spend(id: string, waited: number, inRow: number): boolean {
    if (waited < ANSWER_BUDGET_MS) return false;
    this.exhausted.add(id);
    this.hung.add(id);
    this.hungBefore.add(id);
    const s = Math.round(waited / 1000);
    // Counted in noteTimeout before it calls here.
    const all = this.unanswered.get(id)!;
    // A request a grader gives longer than 5 s (its own timeoutMs) can use the budget by itself,
    // and is then not "requests … not in a row".
    const allows = `the grading allows ${ANSWER_BUDGET_MS / 1000} s per instance`;
    const what =
      all === 1
        ? `a request to it went unanswered for ${s} s (${allows})`
        : all === inRow
          ? `${all} requests in a row to it went unanswered for ${s} s in all (${allows})`
          : `requests to it went unanswered for ${s} s in all (not in a row; ${allows})`;
    this.verdicts.push(
      `Instance ${id} stopped answering: ${what}, so the items still needing it failed at once.`,
    );
    return true;
  }

  /** A request to `id` was answered: it is not silent. */
  noteAnswer(id: string): void {
    this.silent.delete(id);
  }

  /**
   * Ask each hung instance's GET /healthz again (before each test file, until it has failed
   * RECHECKS in a row or its process is restarted): one that answers now (it hung only while a
   * dependency was cut, say) is graded normally from then on, so one outage never costs every
   * later file. Returns the ids that recovered.
   */
  async recheckHung(): Promise<string[]> {
    const ids = [...this.hung].filter(
      (id) => !this.exhausted.has(id) && (this.unrecovered.get(id) ?? 0) < RECHECKS,
    );
    const answers = await Promise.all(
      ids.map((id) =>
        fetch(`${this.instances.get(id)!.url}/healthz`, { signal: AbortSignal.timeout(RECHECK_PROBE_MS) })
          .then((r) => r.ok)
          .catch(() => false),
      ),
    );
    const recovered = ids.filter((_, i) => answers[i]);
    for (const id of recovered) {
      this.hung.delete(id);
      this.silent.delete(id);
      this.unrecovered.delete(id);
    }
    for (const id of ids)
      if (!recovered.includes(id)) this.unrecovered.set(id, (this.unrecovered.get(id) ?? 0) + 1);
    return recovered;
  }

  /**
   * Bring every instance back to a known state before the next test file: a dead one is started
   * again (a hung one is left: it would only hang again). Returns the ids restarted.
   */
  async reviveDead(): Promise<string[]> {
    const revived: string[] = [];
    for (const [id, inst] of this.instances) {
      if (this.hung.has(id) || inst.proc.isAlive()) continue;
      if (await this.bringBack(id, () => this.start(id))) revived.push(id);
    }
    return revived;
  }

  /** Start `id` again (`how`); one that cannot be is a verdict, not the harness's error. */
  private async bringBack(id: string, how: () => Promise<unknown>): Promise<boolean> {
    try {
      await how();
      return true;
    } catch (e) {
      this.verdicts.push(`Instance ${id} could not be started again: ${(e as Error).message}`);
      return false;
    }
  }

  /** A test file ended with `id` answering only server errors (`get`: the last GET among them). */
  noteErroring(id: string, get: string | null): void {
    if (this.instances.has(id)) this.erroring.set(id, get);
  }

  /**
   * Before the next file, once faults are lifted: an instance that ended a file answering only
   * server errors is asked again (the grader's probe, else the last GET it failed) for up to
   * STUCK_PROBE_MS, and restarted like a dead one if it still answers nothing else. One bug (a
   * pool that never reconnects) then costs the file that found it, not every later one.
   */
  async restartStuck(): Promise<string[]> {
    const noted = [...this.erroring].filter(
      ([id]) => !this.hung.has(id) && this.instances.get(id)?.proc.isAlive(),
    );
    this.erroring.clear();
    const restarted: string[] = [];
    await Promise.all(
      noted.map(async ([id, get]) => {
        const path = this.opts.probe ?? get;
        if (!path) return;
        const url = `${this.instances.get(id)!.url}${path}`;
        const deadline = Date.now() + STUCK_PROBE_MS;
        let last: string;
        for (;;) {
          const status = await fetch(url, { signal: AbortSignal.timeout(1000) })
            .then(async (r) => {
              await r.arrayBuffer().catch(() => {});
              return r.status;
            })
            .catch(() => 0);
          if (status > 0 && status < 500) return;
          last = status ? String(status) : 'no answer';
          if (Date.now() > deadline) break;
          await sleep(200);
        }
        this.verdicts.push(
          `Instance ${id} ended a group of tests answering only server errors and still did once every fault was lifted (GET ${path}: ${last}), so it was restarted before the next group.`,
        );
        if (await this.bringBack(id, () => this.restart(id))) restarted.push(id);
      }),
    );
    return restarted;
  }

  /** Stop gracefully (SIGTERM, then SIGKILL after the grace) or at once with SIGKILL. */
  async stop(id: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const inst = this.instances.get(id);
    if (!inst) return;
    if (signal === 'SIGKILL') {
      await inst.proc.kill();
      return;
    }
    const res = await inst.proc.stop(this.opts.graceMs);
    if (res.forced) {
      this.verdicts.push(
        `Instance ${id} did not exit within ${this.opts.graceMs / 1000} s of SIGTERM and was killed: shut down gracefully on SIGTERM.`,
      );
    }
  }

  /**
   * Stop `id` and start it again; with `env`, the new process (and every later one of `id`) runs
   * with it on top of the instance's own env: one step of a rolling deploy.
   */
  async restart(
    id: string,
    signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
    env?: Record<string, string>,
  ): Promise<Instance> {
    await this.stop(id, signal);
    if (env) this.deployed.set(id, env);
    return this.start(id);
  }

  /**
   * Run the submission's start command once, as a job rather than a service (a migration step,
   * say): sandboxed like an instance, with the env of instance `a` and `env` on top, no PORT, and
   * no health check. It is killed at `timeoutMs`, or at `killAfterMs` when the grader interrupts
   * it on purpose. Its output goes to the grading's log, prefixed, and its tail comes back.
   */
  async runOnce(opts: {
    label: string;
    env: Record<string, string>;
    timeoutMs: number;
    killAfterMs?: number;
  }): Promise<OneOffRun> {
    const n = this.runs++;
    const output = new TailBuffer(16 * 1024);
    const tag = `[${opts.label}] `;
    const started = Date.now();
    const proc = this.launchStart(
      `run-${n}`,
      'a',
      opts.env,
      (c) => {
        output.push(c);
        this.output.push(Buffer.from(c.toString('utf8').replace(/^(?=.)/gm, tag)));
      },
      // Addresses from .110 up: the instances' (.10 and on) stay theirs.
      { address: this.rt.docker?.network.addressOf(100 + (n % 100)) },
      opts.timeoutMs,
    );
    this.running.add(proc);
    let interrupted = false;
    const timer =
      opts.killAfterMs === undefined
        ? null
        : setTimeout(() => {
            interrupted = true;
            void proc.kill();
          }, opts.killAfterMs);
    const exit = await proc.exited;
    this.running.delete(proc);
    if (timer) clearTimeout(timer);
    return {
      code: exit.code,
      signal: exit.signal,
      killed: interrupted
        ? 'interrupted by the grader'
        : exit.killedFor
          ? describeKill(exit.killedFor, this.rt.limits)
          : null,
      ms: Date.now() - started,
      output: output.tail(40),
    };
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((p) => p.kill()));
    await Promise.all([...this.instances.keys()].map((id) => this.stop(id)));
  }

  list(): { id: string; url: string; alive: boolean; hung: boolean }[] {
    return [...this.instances.values()].map((i) => ({
      id: i.id,
      url: i.url,
      alive: i.proc.isAlive(),
      hung: this.hung.has(i.id),
    }));
  }
}

/** A health probe's time: 1 s for an answer, after up to 5 s to open its connection (as a test's request). */
const PROBE = { connectMs: 5000, answerMs: 1000 };

/** The harness's connections never reached a service that listens (see `start`). */
class Unreachable extends Error {}
