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
  app.use(express.json());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // GET /products/:id → 200 product (ETag, Cache-Control) | 304 | 400 | 404 | 503
  app.get('/products/:id', () => notImplemented());

  // GET /products?ids=a,b,c → 200 {products, missing} | 400 | 503
  app.get('/products', () => notImplemented());

  // PUT /products/:id {name, priceCents} → 200 the new version | 400 | 404 | 503
  app.put('/products/:id', () => notImplemented());

  // GET /me/recommendations (Authorization passed to the origin) → 200 | 401 | 503
  app.get('/me/recommendations', () => notImplemented());

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
