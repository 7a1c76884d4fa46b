import express, { type ErrorRequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';

/** What the app needs from the outside world, passed in so tests can build it against real services. */
export interface Deps {
  redis: Redis;
  config: Config;
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

  // GET /api/window/resource → 200 {ok: true, client} | 401 | 429 | 503 (sliding window)
  app.get('/api/window/resource', () => notImplemented());

  // GET /api/bucket/resource → 200 {ok: true, client} | 401 | 429 | 503 (token bucket)
  app.get('/api/bucket/resource', () => notImplemented());

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message);
    console.error(err);
    sendError(res, 500, 'internal', 'internal error');
  };
  app.use(onError);

  return app;
}
