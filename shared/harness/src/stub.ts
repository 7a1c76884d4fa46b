import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { flatHeaders, jsonOrUndefined } from './util.ts';

/** One call a stub received. */
export interface StubCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  /** Parsed JSON body, when it was JSON. */
  json?: unknown;
  /** Milliseconds since the stub started (calls are ordered by it). */
  at: number;
  /** What the stub did: the status it answered, or "hang" / "reset". */
  answered: number | 'hang' | 'reset';
}

/** What a stub does with a matching request. */
export type StubResponse =
  | { status: number; json?: unknown; body?: string; headers?: Record<string, string>; delayMs?: number }
  /** Keep the connection open and never answer (a hung downstream). */
  | { hang: true }
  /** Close the connection with a reset, no answer (a crashed downstream). */
  | { reset: true };

/**
 * A scripted rule: requests matching `method` and `path` (exact, or a prefix ending in `*`) get
 * `respond`, for the first `times` matches (forever without `times`). Rules are tried in order.
 */
export interface StubRule {
  method?: string;
  path?: string;
  times?: number;
  respond: StubResponse;
}

/** A stub's whole script: its rules, and the answer when none matches. */
export interface StubScript {
  rules?: StubRule[];
  fallback?: StubResponse;
}

const DEFAULT_FALLBACK: StubResponse = { status: 200, json: {} };

const matches = (rule: StubRule, method: string, path: string): boolean =>
  (!rule.method || rule.method.toUpperCase() === method) &&
  (!rule.path || (rule.path.endsWith('*') ? path.startsWith(rule.path.slice(0, -1)) : rule.path === path));

/**
 * A grader-owned downstream service (a payment provider, an inventory API): started before the
 * candidate's instances, its URL in their environment, every call recorded, its behaviour
 * scripted by tests through the control API.
 */
export class HttpStub {
  private server: Server;
  private script: { rules: (StubRule & { used: number })[]; fallback: StubResponse } = {
    rules: [],
    fallback: DEFAULT_FALLBACK,
  };
  private calls: StubCall[] = [];
  private sockets = new Set<Socket>();
  private readonly started = Date.now();
  url = '';

  constructor(readonly name: string) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${addr && typeof addr === 'object' ? addr.port : 0}`;
    return this.url;
  }

  /** Replace the script; calls recorded so far are kept. */
  setScript(script: StubScript): void {
    this.script = {
      rules: (script.rules ?? []).map((r) => ({ ...r, used: 0 })),
      fallback: script.fallback ?? DEFAULT_FALLBACK,
    };
  }

  /** Back to the default script (200 `{}` to everything), with no recorded calls; hung requests are cut. */
  reset(): void {
    this.setScript({});
    this.calls = [];
    for (const s of this.sockets) s.destroy();
  }

  recorded(): StubCall[] {
    return [...this.calls];
  }

  private pick(method: string, path: string): StubResponse {
    for (const rule of this.script.rules) {
      if (!matches(rule, method, path)) continue;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      rule.used++;
      return rule.respond;
    }
    return this.script.fallback;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://stub');
    const method = req.method ?? 'GET';
    const respond = this.pick(method, u.pathname);
    const json = jsonOrUndefined(body);
    const headers = flatHeaders(req.headers);
    this.calls.push({
      method,
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers,
      body,
      ...(json === undefined ? {} : { json }),
      at: Date.now() - this.started,
      answered: 'hang' in respond ? 'hang' : 'reset' in respond ? 'reset' : respond.status,
    });
    if ('hang' in respond) return;
    if ('reset' in respond) {
      req.socket.resetAndDestroy();
      return;
    }
    if (respond.delayMs) await new Promise((r) => setTimeout(r, respond.delayMs));
    if (res.destroyed) return;
    const text = respond.json !== undefined ? JSON.stringify(respond.json) : (respond.body ?? '');
    res.writeHead(respond.status, {
      ...(respond.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...respond.headers,
    });
    res.end(text);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
