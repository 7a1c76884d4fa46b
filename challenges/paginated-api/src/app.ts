import express, { type ErrorRequestHandler, type Response } from 'express';
import type pg from 'pg';

/** What the app needs from the outside world, passed in so tests can build it against real services. */
export interface Deps {
  pool: pg.Pool;
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

  // GET /api/v1/products?limit=&cursor=&sort=&order=&category=&fields=
  //   → 200 {data: [item…], page: {nextCursor, hasMore}} + Link rel="next" | 400
  app.get('/api/v1/products', () => notImplemented());

  // GET /api/v1/products/:id → 200 item | 404 | 400
  app.get('/api/v1/products/:id', () => notImplemented());

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
