import express, { type ErrorRequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** What the app needs from the outside world, passed in so tests can build it against real services. */
export interface Deps {
  pool: pg.Pool;
  redis: Redis;
  baseUrl: string;
  clock?: () => number;
}

/** An error with an HTTP status and a stable machine-readable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const sendError = (res: Response, status: number, code: string, message: string): void => {
  res.status(status).json({ error: { code, message } });
};

const notImplemented = (): never => {
  throw new HttpError(501, 'not_implemented', 'not implemented yet');
};

export function createApp(_deps: Deps) {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // POST /api/v1/urls {url, alias?, expiresAt?} → 201 {code, shortUrl, url, expiresAt}
  app.post('/api/v1/urls', express.json({ limit: '16kb' }), () => notImplemented());

  // GET /api/v1/urls/:code/stats → 200 {code, url, clicks, createdAt, expiresAt}
  app.get('/api/v1/urls/:code/stats', () => notImplemented());

  // GET /:code → 302 Location: <url> | 404 | 410
  app.get('/:code', () => notImplemented());

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message);
    const e = err as { type?: string };
    if (e.type === 'entity.parse.failed')
      return sendError(res, 400, 'invalid_json', 'body is not valid JSON');
    if (e.type === 'entity.too.large') return sendError(res, 413, 'payload_too_large', 'body is too large');
    console.error(err);
    sendError(res, 500, 'internal', 'internal error');
  };
  app.use(onError);

  return app;
}
