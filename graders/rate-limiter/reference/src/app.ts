import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { LimiterUnavailable } from './guarded.js';
import type { Decision, Limiter, Limits, PolicyName } from './policies.js';

/** What the app needs from the outside world. */
export interface Deps {
  limiter: Limiter;
  limits: Limits;
  apiKeys: ReadonlySet<string>;
  trustProxy: number;
}

const sendError = (res: Response, status: number, code: string, message: string): void => {
  res.status(status).json({ error: { code, message } });
};

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** Seconds an empty budget takes to come back whole: the policy's `w`. */
function policyWindow(policy: PolicyName, l: Limits): number {
  return policy === 'window' ? Math.ceil(l.windowMs / 1000) : Math.ceil(l.capacity / l.refillPerSec);
}

function setHeaders(res: Response, policy: PolicyName, d: Decision, l: Limits): void {
  const remaining = d.allowed ? d.remaining : 0;
  // Rounded up, never 0 while any of the budget is used: a client waiting that long finds it whole.
  const reset = remaining === d.limit ? 0 : seconds(d.resetMs);
  res.set({
    'X-RateLimit-Limit': String(d.limit),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': String(reset),
    'RateLimit-Policy': `"${policy}";q=${d.limit};w=${policyWindow(policy, l)}`,
    RateLimit: `"${policy}";r=${remaining};t=${reset}`,
  });
}

export function createApp(deps: Deps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Express's own X-Forwarded-For handling: req.ip is the TRUST_PROXY-th address from the right.
  app.set('trust proxy', deps.trustProxy);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const limited = (policy: PolicyName) => async (req: Request, res: Response) => {
    const key = req.get('x-api-key');
    if (key !== undefined && !deps.apiKeys.has(key)) {
      return sendError(res, 401, 'invalid_api_key', 'unknown API key');
    }
    const client = key !== undefined ? `key:${key}` : `ip:${req.ip}`;
    let d: Decision;
    try {
      d = await deps.limiter.check(policy, client);
    } catch (e) {
      if (!(e instanceof LimiterUnavailable)) throw e;
      res.set('Retry-After', '1');
      return sendError(res, 503, 'limiter_unavailable', 'rate limiter unavailable, retry shortly');
    }
    setHeaders(res, policy, d, deps.limits);
    if (!d.allowed) {
      res.set('Retry-After', String(seconds(d.retryMs)));
      return sendError(res, 429, 'rate_limited', `too many requests for ${client}`);
    }
    res.json({ ok: true, client });
  };

  app.get('/api/window/resource', limited('window'));
  app.get('/api/bucket/resource', limited('bucket'));

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    console.error(err);
    sendError(res, 500, 'internal', 'internal error');
  };
  app.use(onError);

  return app;
}
