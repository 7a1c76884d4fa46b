import express, { type ErrorRequestHandler, type Response } from 'express';
import type pg from 'pg';
import type { Config } from './config.js';

/** What the app needs from the outside world, passed in so tests can build it against real services. */
export interface Deps {
  pool: pg.Pool;
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
  app.use(express.json());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // POST /orders {sku, quantity, amountCents, address} + Idempotency-Key → 202 {orderId, status} | 400 | 422
  app.post('/orders', () => notImplemented());
  // GET /orders/:id → 200 {orderId, status, steps} | 404
  app.get('/orders/:id', () => notImplemented());

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message);
    if ((err as { type?: string }).type === 'entity.parse.failed')
      return sendError(res, 400, 'invalid_json', 'the body is not valid JSON');
    console.error(err);
    sendError(res, 500, 'internal', 'internal error');
  };
  app.use(onError);

  return app;
}
