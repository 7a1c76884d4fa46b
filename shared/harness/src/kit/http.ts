import request from 'supertest';
import { grading } from './rubric-test.ts';

/** One request and its response, kept so a failure can say what was sent and what came back. */
export interface Exchange {
  method: string;
  url: string;
  path: string;
  sentHeaders: Record<string, string>;
  sentBody?: string;
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  ms: number;
  /** Set when no HTTP response came back at all. */
  networkError?: string;
}

const excerpt = (s: string, n = 400): string => (s.length > n ? `${s.slice(0, n)}… (${s.length} bytes)` : s);
const SHOWN_HEADERS = ['content-type', 'location', 'cache-control', 'retry-after'];

/** Human rendering of an exchange: request line, body sent, status, key headers, body excerpt. */
export function describeExchange(ex: Exchange): string {
  const lines = [`Sent:     ${ex.method} ${ex.path}`];
  for (const [k, v] of Object.entries(ex.sentHeaders)) lines.push(`          ${k}: ${v}`);
  if (ex.sentBody !== undefined) lines.push(`          ${excerpt(ex.sentBody, 300)}`);
  if (ex.networkError) {
    lines.push(`Got:      no HTTP response (${ex.networkError}) after ${ex.ms} ms`);
    return lines.join('\n');
  }
  lines.push(`Got:      ${ex.status} after ${ex.ms} ms`);
  for (const h of SHOWN_HEADERS)
    if (ex.headers[h] !== undefined) lines.push(`          ${h}: ${ex.headers[h]}`);
  lines.push(`          ${ex.text ? excerpt(ex.text) : '(empty body)'}`);
  return lines.join('\n');
}

/** A contract violation: its message is what the candidate reads, so it must stand alone. */
export class ContractError extends Error {
  override name = 'ContractError';
}

/** Fail with "Expected: …" and the exchange that broke it. */
export function fail(ex: Exchange, expected: string, extra?: string): never {
  throw new ContractError([`Expected: ${expected}`, describeExchange(ex), extra].filter(Boolean).join('\n'));
}

/** HTTP client bound to one instance of the candidate's service. */
export class Api {
  constructor(readonly baseUrl: string) {}

  private async send(
    method: 'get' | 'post' | 'put' | 'delete',
    path: string,
    opts: { json?: unknown; raw?: string; headers?: Record<string, string>; timeoutMs?: number },
  ): Promise<Exchange> {
    const sentHeaders: Record<string, string> = { ...opts.headers };
    let sentBody: string | undefined;
    let req = request(this.baseUrl)
      [method](path)
      .redirects(0)
      .timeout(opts.timeoutMs ?? 10_000);
    if (opts.json !== undefined) {
      sentBody = JSON.stringify(opts.json);
      sentHeaders['content-type'] ??= 'application/json';
    } else if (opts.raw !== undefined) {
      sentBody = opts.raw;
    }
    for (const [k, v] of Object.entries(sentHeaders)) req = req.set(k, v);
    // Text parsing for every content type: the grader judges the raw body, never a client's guess.
    req = req.buffer(true).parse((res, cb) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        data += c;
      });
      res.on('end', () => cb(null, data));
    });
    const t0 = Date.now();
    const base = { method: method.toUpperCase(), url: this.baseUrl + path, path, sentHeaders, sentBody };
    try {
      const res = sentBody !== undefined ? await req.send(sentBody) : await req;
      const text = typeof res.body === 'string' ? res.body : (res.text ?? '');
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return {
        ...base,
        status: res.status,
        headers: res.headers as Record<string, string>,
        text,
        json,
        ms: Date.now() - t0,
      };
    } catch (e) {
      const err = e as Error & { code?: string; timeout?: number; response?: unknown };
      const what = err.timeout ? `no answer within ${err.timeout} ms` : (err.code ?? err.message);
      return {
        ...base,
        status: 0,
        headers: {},
        text: '',
        json: undefined,
        ms: Date.now() - t0,
        networkError: what,
      };
    }
  }

  get(path: string, opts: { headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Exchange> {
    return this.send('get', path, opts);
  }

  post(
    path: string,
    json: unknown,
    opts: { headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<Exchange> {
    return this.send('post', path, { ...opts, json });
  }

  /** POST a body exactly as given (malformed JSON, huge payloads). */
  postRaw(path: string, raw: string, headers: Record<string, string>): Promise<Exchange> {
    return this.send('post', path, { raw, headers });
  }
}

/** Client for instance `index` of the session (0 = the first). */
export function api(index = 0): Api {
  const inst = grading().instances[index];
  if (!inst) throw new Error(`no instance #${index} in this session`);
  return new Api(inst.url);
}
