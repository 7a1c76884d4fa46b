import { Agent, request as httpRequest } from 'node:http';
import { REQUEST_TIMEOUT_MS } from '../types.ts';
import { flatHeaders, jsonOrUndefined } from '../util.ts';
import { controlCall } from './control.ts';
import { grading } from './rubric-test.ts';
import { instanceState } from './state.ts';

/** One request and its response, kept so a failure can say what was sent and what came back. */
export interface Exchange {
  method: string;
  url: string;
  path: string;
  sentHeaders: Record<string, string>;
  /** Headers as failure messages show them, when the real ones hold per-run values (tokens). */
  shownHeaders?: Record<string, string>;
  sentBody?: string;
  /** How the body appears in failure text when it holds wall-clock times (a seed must reproduce the text). */
  shownBody?: string;
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The loopback address the request was sent from, when the grader chose one. */
  from?: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  /** From the request being written on a connected socket to the last byte of the response. */
  ms: number;
  /** Set when no HTTP response came back at all. */
  networkError?: string;
}

/** What a request may carry. */
export interface RequestOptions {
  query?: Record<string, string | number | boolean>;
  headers?: Record<string, string>;
  /** Sent as JSON (content-type application/json unless a header says otherwise). */
  json?: unknown;
  /** Sent exactly as given (malformed JSON, padded payloads). */
  body?: string;
  /** The body as failure messages show it, when the real one holds wall-clock times. */
  shownBody?: string;
  /** Headers as failure messages show them (each replaces the one sent of that name): tokens. */
  shownHeaders?: Record<string, string>;
  timeoutMs?: number;
  /**
   * Send from this loopback address (any 127.x.y.z): a distinct client IP as the service sees it,
   * for graders that key on the connecting address.
   */
  localAddress?: string;
}

const excerpt = (s: string, n = 400): string => (s.length > n ? `${s.slice(0, n)}… (${s.length} bytes)` : s);
/** Headers of HTTP itself that every failure quotes; a grader adds its contract's own. */
const SHOWN_HEADERS = ['content-type', 'location', 'cache-control', 'retry-after', 'allow'];

/** The kit's headers, then the grader's (`shownHeaders`); outside a grading, the kit's alone. */
function shownHeaders(): string[] {
  try {
    return [...SHOWN_HEADERS, ...(grading().shownHeaders ?? [])];
  } catch {
    return SHOWN_HEADERS;
  }
}

/**
 * Human rendering of an exchange: request line, body sent, status, key headers, body excerpt.
 * No timings: a seed must reproduce a failure's text word for word (timings go in `measured`).
 */
export function describeExchange(ex: Exchange): string {
  const lines = [`Sent:     ${ex.method} ${ex.path}${ex.from ? ` (from ${ex.from})` : ''}`];
  for (const [k, v] of Object.entries({ ...ex.sentHeaders, ...ex.shownHeaders }))
    lines.push(`          ${k}: ${v}`);
  const body = ex.shownBody ?? ex.sentBody;
  if (body !== undefined) lines.push(`          ${excerpt(body, 300)}`);
  if (ex.networkError) {
    lines.push(`Got:      no HTTP response (${ex.networkError})`);
    return lines.join('\n');
  }
  lines.push(`Got:      ${ex.status}`);
  for (const h of shownHeaders())
    if (ex.headers[h] !== undefined) lines.push(`          ${h}: ${ex.headers[h]}`);
  lines.push(`          ${ex.text ? excerpt(ex.text) : '(empty body)'}`);
  return lines.join('\n');
}

/** A contract violation: its message is what the candidate reads, so it must stand alone. */
export class ContractError extends Error {
  override name = 'ContractError';
  /** Measured numbers behind the failure, reported apart from the message. */
  measured: string[] = [];
}

/** Fail with "Expected: …" and the exchange that broke it; `extra` adds a line of explanation. */
export function fail(ex: Exchange, expected: string, extra?: string): never {
  const err = new ContractError(
    [`Expected: ${expected}`, describeExchange(ex), extra].filter(Boolean).join('\n'),
  );
  err.measured.push(
    `${ex.method} ${ex.path}: ${ex.networkError ? 'no response' : ex.status} after ${ex.ms} ms`,
  );
  throw err;
}

/** HTTP client bound to one instance of the candidate's service. */
export class Api {
  // Keep-alive, so latency bounds measure requests rather than connection set-up.
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });

  constructor(
    readonly baseUrl: string,
    /** The instance's id, for hung-instance bookkeeping (none for ad-hoc URLs). */
    readonly instanceId?: string,
  ) {}

  /** Any method, with query, headers and a JSON or raw body. Never throws for HTTP outcomes. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Exchange> {
    const q = opts.query
      ? `${path.includes('?') ? '&' : '?'}${new URLSearchParams(Object.entries(opts.query).map(([k, v]): [string, string] => [k, String(v)]))}`
      : '';
    const fullPath = path + q;
    const sentHeaders: Record<string, string> = { ...opts.headers };
    let sentBody: string | undefined;
    if (opts.json !== undefined) {
      sentBody = JSON.stringify(opts.json);
      if (!Object.keys(sentHeaders).some((k) => k.toLowerCase() === 'content-type'))
        sentHeaders['content-type'] = 'application/json';
    } else if (opts.body !== undefined) {
      sentBody = opts.body;
    }
    const base = {
      method: method.toUpperCase(),
      url: this.baseUrl + fullPath,
      path: fullPath,
      sentHeaders,
      sentBody,
      ...(opts.shownBody !== undefined ? { shownBody: opts.shownBody } : {}),
      ...(opts.shownHeaders !== undefined ? { shownHeaders: opts.shownHeaders } : {}),
      ...(opts.localAddress ? { from: opts.localAddress } : {}),
    };
    const id = this.instanceId;
    if (id && instanceState.hung.has(id)) {
      return {
        ...base,
        status: 0,
        headers: {},
        text: '',
        json: undefined,
        ms: 0,
        networkError: `instance ${id} stopped answering earlier in this run`,
      };
    }
    const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const res = await send(
      this.baseUrl,
      base.method,
      fullPath,
      sentHeaders,
      sentBody,
      timeoutMs,
      this.agent,
      opts.localAddress,
    );
    const ex: Exchange = { ...base, ...res };
    if (id) await noteAnswer(id, ex, timeoutMs);
    return ex;
  }

  get(path: string, opts: Omit<RequestOptions, 'json' | 'body'> = {}): Promise<Exchange> {
    return this.request('GET', path, opts);
  }

  post(path: string, json: unknown, opts: Omit<RequestOptions, 'json' | 'body'> = {}): Promise<Exchange> {
    return this.request('POST', path, { ...opts, json });
  }

  /** POST a body exactly as given (malformed JSON, huge payloads). */
  postRaw(path: string, raw: string, headers: Record<string, string>): Promise<Exchange> {
    return this.request('POST', path, { body: raw, headers });
  }
}

/** Tell the session how an instance answered, so a hung one is detected once, for every file. */
async function noteAnswer(id: string, ex: Exchange, timeoutMs: number): Promise<void> {
  const timedOut = ex.networkError?.startsWith('no answer within');
  if (!ex.networkError) {
    const e = instanceState.erroring.get(id);
    if (ex.status < 500) instanceState.erroring.delete(id);
    else
      instanceState.erroring.set(id, {
        streak: (e?.streak ?? 0) + 1,
        get: ex.method === 'GET' ? ex.path : e?.get,
      });
  }
  if (!timedOut) {
    if (instanceState.silent.delete(id)) await controlCall('POST', `/instances/${id}/answered`);
    return;
  }
  instanceState.silent.add(id);
  const { hung } = await controlCall<{ hung: boolean }>('POST', `/instances/${id}/timeout`, { timeoutMs });
  if (hung) instanceState.hung.add(id);
}

const CHUNK = 64 * 1024;

function send(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  agent: Agent,
  localAddress?: string,
): Promise<Pick<Exchange, 'status' | 'headers' | 'text' | 'json' | 'ms' | 'networkError'>> {
  return new Promise((resolve) => {
    const u = new URL(path, baseUrl);
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    let t0 = Date.now();
    let settled = false;
    let responded = false;
    const done = (r: Pick<Exchange, 'status' | 'headers' | 'text' | 'json' | 'networkError'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, ms: Date.now() - t0 });
    };
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: u.pathname + u.search,
        headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}) },
        agent,
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => {});
        res.on('end', () => {
          // The raw body, as text: the grader judges what was sent, never a client's guess.
          const text = Buffer.concat(chunks).toString('utf8');
          done({
            status: res.statusCode ?? 0,
            headers: flatHeaders(res.headers),
            text,
            json: jsonOrUndefined(text),
          });
        });
      },
    );
    const giveUp = (why: string) => () => {
      done({ status: 0, headers: {}, text: '', json: undefined, networkError: why });
      req.destroy();
    };
    // The README's bound is on the answer: its clock starts once the request can be sent. A
    // connection gets a bound of its own, as long: under load (1,000 connections at once, on a busy
    // machine, in Docker) the kernel dropped a SYN and retried it after 1 s and again after 2 s,
    // and those 3 s had counted against a service that answered in 2. A service that never
    // accepts still ends within the bound, as one that never answers.
    let timer = setTimeout(giveUp(`no answer within ${timeoutMs} ms (no connection either)`), timeoutMs);
    const sent = (): void => {
      t0 = Date.now();
      clearTimeout(timer);
      timer = setTimeout(giveUp(`no answer within ${timeoutMs} ms`), timeoutMs);
    };
    req.on('socket', (sock) => {
      if (sock.connecting) sock.once('connect', sent);
      else sent();
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (responded) return;
      done({ status: 0, headers: {}, text: '', json: undefined, networkError: e.code ?? e.message });
    });
    if (!payload) {
      req.end();
      return;
    }
    // Written in chunks, stopping once a response arrives: a service may answer 413 early and
    // stop reading, which is its right.
    let offset = 0;
    const pump = (): void => {
      while (offset < payload.length && !responded && !settled) {
        const chunk = payload.subarray(offset, offset + CHUNK);
        offset += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (offset >= payload.length || responded) req.end();
    };
    pump();
  });
}

/** Client for instance `index` of the session (0 = the first). */
export function api(index = 0): Api {
  const inst = grading().instances[index];
  if (!inst) throw new Error(`no instance #${index} in this session`);
  // One client (and keep-alive agent) per instance for the whole suite.
  let client = clients.get(inst.id);
  if (!client) {
    client = new Api(inst.url, inst.id);
    clients.set(inst.id, client);
  }
  return client;
}

const clients = new Map<string, Api>();
