import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { InstanceManager } from './instances.ts';
import type { FaultMode, FaultProxy } from './proxy.ts';
import { freePort, TailBuffer, waitFor } from './util.ts';

const require = createRequire(import.meta.url);

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/**
 * Loopback HTTP API through which hidden tests (in Vitest workers) drive the session: restart
 * instances, cut dependencies, start calibration baselines. Tests never get process handles.
 */
export class ControlServer {
  private server: Server;
  private baselines = new Map<string, { url: string; child: ChildProcess }>();
  url = '';

  constructor(
    private readonly deps: {
      instances: InstanceManager;
      proxies: Record<string, FaultProxy>;
      baselineScripts: Record<string, string>;
      baselineEnv: Record<string, string>;
    },
  ) {
    this.server = createServer((req, res) => {
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
    const parts = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean);
    const body = req.method === 'POST' ? await readJson(req) : {};
    const signal = body.signal === 'SIGKILL' ? 'SIGKILL' : 'SIGTERM';
    const { instances } = this.deps;
    if (req.method === 'GET' && parts[0] === 'instances') return instances.list();
    if (req.method === 'POST' && parts[0] === 'instances' && parts[1]) {
      const id = parts[1];
      switch (parts[2]) {
        case 'restart':
          return { url: (await instances.restart(id, signal)).url };
        case 'stop':
          await instances.stop(id, signal);
          return { ok: true };
        case 'start':
          return { url: (await instances.start(id)).url };
      }
    }
    if (req.method === 'POST' && parts[0] === 'faults' && parts[1]) {
      const proxy = this.deps.proxies[parts[1]];
      if (!proxy) throw new Error(`no proxy for service ${parts[1]}`);
      proxy.set(body as unknown as FaultMode);
      return { ok: true, mode: proxy.mode };
    }
    if (req.method === 'POST' && parts[0] === 'baselines' && parts[1])
      return { url: await this.baseline(parts[1]) };
    throw new Error(`unknown control route ${req.method} ${req.url}`);
  }

  /** Start (once) a calibration server written by the grader, on the same services. */
  private async baseline(name: string): Promise<string> {
    const running = this.baselines.get(name);
    if (running) return running.url;
    const script = this.deps.baselineScripts[name];
    if (!script) throw new Error(`no baseline named ${name}`);
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', require.resolve('tsx'), script], {
      env: { ...this.deps.baselineEnv, PORT: String(port), NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Kept for the error below, not shown: the live view is the candidate's.
    const log = new TailBuffer(8 * 1024);
    child.stdout?.on('data', (c: Buffer) => log.push(c));
    child.stderr?.on('data', (c: Buffer) => log.push(c));
    const url = `http://127.0.0.1:${port}`;
    this.baselines.set(name, { url, child });
    const ok = await waitFor(async () => (await fetch(`${url}/healthz`)).ok, {
      timeoutMs: 15_000,
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
