import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { BaselineCommand } from './baselines.ts';
import type { InstanceManager } from './instances.ts';
import type { FaultMode, FaultProxy } from './proxy.ts';
import type { HttpStub, StubRule, StubScript } from './stub.ts';
import { keepNiceOf } from './supervisor/sandbox.ts';
import { freePort, TailBuffer, waitFor } from './util.ts';

/** The header that carries the session's control token. */
export const CONTROL_TOKEN_HEADER = 'x-bc-control-token';

/** How long a reset waits for instances to reconnect to a service that had a fault. */
const RECONNECT_WAIT_MS = 3000;

/** The longest a one-off run may take: under the 5 min a test's fetch waits for an answer. */
const MAX_RUN_MS = 4 * 60_000;

/** An env a test passed: string values only, or none. */
function envOf(v: unknown): Record<string, string> | undefined {
  if (!v || typeof v !== 'object') return undefined;
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** What the control server drives. */
export interface ControlDeps {
  instances: InstanceManager;
  /** Fault proxies by service name. */
  proxies: Record<string, FaultProxy>;
  stubs: Record<string, HttpStub>;
  /** The grader's calibration servers, by name, each in the submission's language when it has one. */
  baselines: Record<string, BaselineCommand>;
  /** The services' env every baseline is given (with its own, and PORT). */
  baselineEnv: Record<string, string>;
}

/**
 * Loopback HTTP API through which hidden tests (in Vitest workers) drive the session: restart
 * (or deploy) instances, run the submission once as a job, cut dependencies, script stubs, start
 * calibration baselines, and reset everything before each test file. Tests never get process
 * handles.
 */
export class ControlServer {
  private server: Server;
  private baselines = new Map<string, { url: string; child: ChildProcess }>();
  url = '';
  /** The per-session secret every request must carry: only the hidden tests' workers are given it. */
  readonly token = randomBytes(24).toString('hex');

  constructor(private readonly deps: ControlDeps) {
    this.server = createServer((req, res) => {
      const given = Buffer.from(String(req.headers[CONTROL_TOKEN_HEADER] ?? ''));
      const want = Buffer.from(this.token);
      if (given.length !== want.length || !timingSafeEqual(given, want)) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end('{"error":"forbidden"}');
        return;
      }
      this.route(req)
        .then((body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        })
        .catch((e: Error) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: e.message }));
        });
    });
  }

  async listen(): Promise<string> {
    const port = await freePort();
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  private async route(req: IncomingMessage): Promise<unknown> {
    const [what, name, action] = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean);
    const body = req.method === 'POST' ? await readJson(req) : {};
    const { instances } = this.deps;
    if (req.method === 'GET' && what === 'instances') return instances.list();
    if (req.method === 'POST' && what === 'reset') return this.reset();
    if (req.method === 'POST' && what === 'erroring') {
      for (const [id, get] of Object.entries((body.instances ?? {}) as Record<string, unknown>))
        instances.noteErroring(id, typeof get === 'string' && get.startsWith('/') ? get : null);
      return { ok: true };
    }
    if (req.method === 'POST' && what === 'instances' && name) {
      const signal = body.signal === 'SIGKILL' ? 'SIGKILL' : 'SIGTERM';
      switch (action) {
        case 'restart':
          return { url: (await instances.restart(name, signal, envOf(body.env))).url };
        case 'stop':
          await instances.stop(name, signal);
          return { ok: true };
        case 'start':
          return { url: (await instances.start(name)).url };
        case 'timeout':
          return { hung: await instances.noteTimeout(name, Number(body.timeoutMs) || 5_000) };
        case 'answered':
          instances.noteAnswer(name);
          return { ok: true };
      }
    }
    if (req.method === 'GET' && what === 'faults' && name) {
      const proxy = this.deps.proxies[name];
      if (!proxy) throw new Error(`no fault proxy for service "${name}"`);
      return { mode: proxy.mode, bytesToService: proxy.bytesToService };
    }
    if (req.method === 'POST' && what === 'faults' && name) {
      const proxy = this.deps.proxies[name];
      if (!proxy)
        throw new Error(
          `no fault proxy for service "${name}" (this grader declares: ${Object.keys(this.deps.proxies).join(', ') || 'none'})`,
        );
      proxy.set(body as unknown as FaultMode);
      return { ok: true, mode: proxy.mode };
    }
    if (what === 'stubs' && name) {
      const stub = this.deps.stubs[name];
      if (!stub) throw new Error(`no stub named "${name}"`);
      if (req.method === 'GET' && action === 'calls') return stub.recorded();
      if (req.method === 'GET' && action === 'state') return { state: stub.state() };
      if (req.method === 'POST' && action === 'script') {
        stub.setScript(body as StubScript);
        return { ok: true };
      }
      if (req.method === 'POST' && action === 'add') {
        stub.addRules(((body as StubScript).rules ?? []) as StubRule[]);
        return { ok: true };
      }
      if (req.method === 'POST' && action === 'reset') {
        stub.reset();
        return { ok: true };
      }
    }
    if (req.method === 'POST' && what === 'runs') {
      return instances.runOnce({
        label: typeof body.label === 'string' ? body.label.slice(0, 40) : 'run',
        env: envOf(body.env) ?? {},
        timeoutMs: Math.min(Number(body.timeoutMs) || 60_000, MAX_RUN_MS),
        ...(body.killAfterMs === undefined ? {} : { killAfterMs: Number(body.killAfterMs) }),
      });
    }
    if (req.method === 'POST' && what === 'baselines' && name) return { url: await this.baseline(name) };
    throw new Error(`unknown control route ${req.method} ${req.url}`);
  }

  /**
   * The known state every test file starts from: every fault lifted, stubs back to their default
   * script, dead instances started again, hung ones asked again, (after a fault) a short wait
   * until the instances have reconnected to the service, and stuck ones (answering only errors)
   * restarted, so one file's outage or bug never costs the next file points.
   */
  async reset(): Promise<{ revived: string[]; instances: ReturnType<InstanceManager['list']> }> {
    const proxies = Object.values(this.deps.proxies);
    for (const p of proxies) p.set({ mode: 'up' });
    for (const s of Object.values(this.deps.stubs)) s.reset();
    const revived = await this.deps.instances.reviveDead();
    await this.deps.instances.recheckHung();
    const serving = this.deps.instances.list().filter((i) => i.alive && !i.hung).length;
    await waitFor(async () => !proxies.some((p) => p.awaitingReconnect(serving)), {
      timeoutMs: RECONNECT_WAIT_MS,
      intervalMs: 50,
    });
    for (const p of proxies) p.settle();
    revived.push(...(await this.deps.instances.restartStuck()));
    return { revived, instances: this.deps.instances.list() };
  }

  /** Start (once) a calibration server written by the grader, on the same services. */
  private async baseline(name: string): Promise<string> {
    const running = this.baselines.get(name);
    if (running) return running.url;
    const command = this.deps.baselines[name];
    if (!command) throw new Error(`no baseline named ${name}`);
    const port = await freePort();
    const [bin, ...args] = command.argv;
    // In a session of its own, as every candidate instance is (bwrap --new-session, or a detached
    // spawn): where the kernel shares the CPU between sessions (sched_autogroup), a baseline left
    // in the harness's session shared that session's share with the load generator, the fault
    // proxies and Redis, and got the cores they left, while the candidate's session got a share
    // of its own. A Go server measured 0.54-0.74x of a Go baseline that way with the baseline's
    // very handler in it (the cache grader; 0.98x for Node, whose server alone fills a core).
    const child = spawn(bin!, args, {
      ...(command.cwd ? { cwd: command.cwd } : {}),
      env: { ...this.deps.baselineEnv, ...command.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    keepNiceOf(child.pid);
    // Kept for the error below, not shown: the live view is the candidate's.
    const log = new TailBuffer(8 * 1024);
    child.stdout?.on('data', (c: Buffer) => log.push(c));
    child.stderr?.on('data', (c: Buffer) => log.push(c));
    const url = `http://127.0.0.1:${port}`;
    this.baselines.set(name, { url, child });
    const ok = await waitFor(async () => (await fetch(`${url}/healthz`)).ok, {
      // A guard against a baseline that never listens, not a measure: started at nice 19 beside
      // the suite's graders, a Node baseline missed 15 s (ci81, alice and dave in batch.test.ts).
      timeoutMs: 60_000,
      abort: () => child.exitCode !== null,
    });
    if (!ok) throw new Error(`baseline ${name} did not start: ${log.tail(5)}`);
    return url;
  }

  async close(): Promise<void> {
    for (const { child } of this.baselines.values()) child.kill('SIGKILL');
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
