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
  /** For a hung call: when the client gave up and closed the connection (ms, like `at`). */
  closedAt?: number;
}

/** What a stub does with a matching request. */
export type StubResponse =
  | { status: number; json?: unknown; body?: string; headers?: Record<string, string>; delayMs?: number }
  /** Keep the connection open and never answer (a hung downstream). */
  | { hang: true }
  /** Close the connection with a reset, no answer (a crashed downstream). */
  | { reset: true }
  /**
   * Let the stub's model answer (its effect happens), `delayMs` late, or lose its answer (`drop`):
   * a downstream that did the work but whose response never arrived.
   */
  | { model: true; delayMs?: number; drop?: 'hang' | 'reset' };

/** A request as a stub model sees it. */
export interface StubRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  json?: unknown;
}

/**
 * A stateful fake behind a stub (stock, charges, idempotency keys): it answers whatever no
 * scripted rule catches, so tests script faults on top of a service that keeps state.
 */
export interface StubModel {
  /** The answer to one request; never `{ model: true }`. */
  handle(req: StubRequest): StubResponse | Promise<StubResponse>;
  /** What tests may read back through `control.stub(name).state()`. */
  state?(): unknown;
  /** Back to the initial state (before every test file). */
  reset?(): void;
}

/** What a stub's `model` module exports by default. */
export type StubModelFactory = (ctx: { seed: number }) => StubModel;

/**
 * A scripted rule: requests matching `method` and `path` (exact, or a prefix ending in `*`) get
 * `respond`, for the first `times` matches (forever without `times`). Rules are tried in order.
 */
export interface StubRule {
  method?: string;
  path?: string;
  /** Only calls whose JSON body holds every one of these fields with these values. */
  body?: Record<string, unknown>;
  times?: number;
  /** The rule lapses this long after it was scripted (an outage of a set length). */
  forMs?: number;
  respond: StubResponse;
}

/** A stub's whole script: its rules, and the answer when none matches. */
export interface StubScript {
  rules?: StubRule[];
  fallback?: StubResponse;
}

const DEFAULT_FALLBACK: StubResponse = { status: 200, json: {} };
const MODEL: StubResponse = { model: true };

const matches = (rule: StubRule, method: string, path: string, json: unknown): boolean =>
  (!rule.method || rule.method.toUpperCase() === method) &&
  (!rule.path || (rule.path.endsWith('*') ? path.startsWith(rule.path.slice(0, -1)) : rule.path === path)) &&
  (!rule.body ||
    (typeof json === 'object' &&
      json !== null &&
      Object.entries(rule.body).every(([k, v]) => (json as Record<string, unknown>)[k] === v)));

/**
 * A grader-owned downstream service (a payment provider, an inventory API): started before the
 * candidate's instances, its URL in their environment, every call recorded, its behaviour
 * scripted by tests through the control API.
 */
export class HttpStub {
  private server: Server;
  private script: { rules: (StubRule & { used: number; until: number })[]; fallback: StubResponse };
  private calls: StubCall[] = [];
  private sockets = new Set<Socket>();
  private busy = new Set<Socket>();
  private readonly started = Date.now();
  url = '';

  constructor(
    readonly name: string,
    /** The stateful fake that answers by default, if the grader gave one. */
    private readonly model?: StubModel,
  ) {
    this.script = { rules: [], fallback: this.defaultFallback() };
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Listen on `host` (loopback, or a container network's gateway for --sandbox docker). */
  async listen(host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, host, () => r()));
    const addr = this.server.address();
    this.url = `http://${host}:${addr && typeof addr === 'object' ? addr.port : 0}`;
    return this.url;
  }

  /** Replace the script; calls recorded so far are kept. */
  setScript(script: StubScript): void {
    this.script = { rules: [], fallback: script.fallback ?? this.defaultFallback() };
    this.addRules(script.rules ?? []);
  }

  /**
   * Rules added after the current ones, the rest of the script kept: tests that run at once each
   * add their own, scoped to their own calls (`body`).
   */
  addRules(rules: StubRule[]): void {
    const now = Date.now();
    this.script.rules.push(
      ...rules.map((r) => ({
        ...r,
        used: 0,
        until: r.forMs === undefined ? Number.POSITIVE_INFINITY : now + r.forMs,
      })),
    );
  }

  /**
   * Back to the default script (the model, or 200 `{}` to everything), the model's initial state,
   * no recorded calls; hung requests are cut.
   */
  reset(): void {
    this.setScript({});
    this.calls = [];
    this.model?.reset?.();
    // Only connections waiting on an answer: idle keep-alive ones stay, so a reset does not make
    // the service's next call fail on a socket it still thinks open.
    for (const s of this.busy) s.destroy();
  }

  /** The model's state, for tests to read back (null without a model). */
  state(): unknown {
    return this.model?.state?.() ?? null;
  }

  private defaultFallback(): StubResponse {
    return this.model ? MODEL : DEFAULT_FALLBACK;
  }

  recorded(): StubCall[] {
    return [...this.calls];
  }

  private pick(method: string, path: string, json: unknown): StubResponse {
    const now = Date.now();
    for (const rule of this.script.rules) {
      if (now >= rule.until || !matches(rule, method, path, json)) continue;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      rule.used++;
      return rule.respond;
    }
    return this.script.fallback;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const socket = req.socket;
    this.busy.add(socket);
    res.on('close', () => this.busy.delete(socket));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://stub');
    const method = req.method ?? 'GET';
    const json = jsonOrUndefined(body);
    let respond = this.pick(method, u.pathname, json);
    const headers = flatHeaders(req.headers);
    const query = Object.fromEntries(u.searchParams);
    const call: StubCall = {
      method,
      path: u.pathname,
      query,
      headers,
      body,
      ...(json === undefined ? {} : { json }),
      at: Date.now() - this.started,
      answered: 'hang',
    };
    // Recorded on arrival, so calls keep their order whatever the model takes.
    this.calls.push(call);
    if ('model' in respond) {
      const { delayMs, drop } = respond;
      const answer = this.model
        ? await this.model.handle({
            method,
            path: u.pathname,
            query,
            headers,
            body,
            ...(json === undefined ? {} : { json }),
          })
        : { status: 500, json: { error: `stub ${this.name} has no model` } };
      respond = drop ? (drop === 'hang' ? { hang: true } : { reset: true }) : answer;
      if (delayMs && 'status' in respond) respond = { ...respond, delayMs: (respond.delayMs ?? 0) + delayMs };
    }
    call.answered =
      'hang' in respond ? 'hang' : 'reset' in respond ? 'reset' : 'status' in respond ? respond.status : 500;
    if ('hang' in respond) {
      // When the caller gives up on a hung call tells whether it has a timeout at all.
      res.on('close', () => {
        call.closedAt ??= Date.now() - this.started;
      });
      return;
    }
    if ('reset' in respond) {
      req.socket.resetAndDestroy();
      return;
    }
    if ('model' in respond) return void res.writeHead(500).end('a stub model answered "model"');
    const { delayMs } = respond;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
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
