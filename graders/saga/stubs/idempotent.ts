import type { StubModel, StubRequest, StubResponse } from '@bc/harness/kit';

/** One effect of a downstream service: what it did, for tests to count. */
export type Effect = { kind: string; key: string; at: number; seq: number } & Record<string, unknown>;

// One sequence over the three services (they run in one process): effects in the same
// millisecond still have an order.
let seq = 0;

/** An effect stamped with the time and its place in the sequence. */
export const effect = (kind: string, key: string, fields: Record<string, unknown>): Effect => ({
  kind,
  key,
  at: Date.now(),
  seq: ++seq,
  ...fields,
});

/** A route of a fake service: the answer to a request whose key was never seen. */
export type Route = (req: StubRequest, params: string[]) => StubResponse;

/**
 * A downstream service as the saga README describes it: every call carries an Idempotency-Key, a
 * repeated key returns the first answer and does nothing twice. Routes are `METHOD /path/:param`.
 */
export function idempotentService(
  routes: Record<string, Route>,
  state: () => Record<string, unknown>,
  reset: () => void,
): StubModel {
  const answers = new Map<string, StubResponse>();
  const compiled = Object.entries(routes).map(([spec, route]) => {
    const [method, path] = spec.split(' ') as [string, string];
    const re = new RegExp(`^${path.replace(/:[a-z]+/gi, '([^/]+)')}$`);
    return { method, re, route };
  });
  return {
    handle(req) {
      const key = req.headers['idempotency-key'];
      if (!key || key.length > 255)
        return {
          status: 400,
          json: { error: { code: 'idempotency_key_required', message: 'Idempotency-Key' } },
        };
      // A key names one request: the same key on another route is a client bug, answered as such.
      const scoped = `${req.method} ${req.path} ${key}`;
      const seen = answers.get(scoped);
      if (seen) return seen;
      for (const r of compiled) {
        if (r.method !== req.method) continue;
        const m = r.re.exec(req.path);
        if (!m) continue;
        const answer = r.route(req, m.slice(1));
        // Transient answers are not remembered: the retry must be able to succeed.
        if (!('status' in answer) || answer.status < 500) answers.set(scoped, answer);
        return answer;
      }
      return { status: 404, json: { error: { code: 'not_found', message: `${req.method} ${req.path}` } } };
    },
    state,
    reset() {
      answers.clear();
      reset();
    },
  };
}

/** The JSON body as an object (empty when it is not one). */
export const body = (req: StubRequest): Record<string, unknown> =>
  req.json && typeof req.json === 'object' ? (req.json as Record<string, unknown>) : {};

export const bad = (message: string): StubResponse => ({
  status: 400,
  json: { error: { code: 'bad_request', message } },
});
