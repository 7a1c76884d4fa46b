import express, { type ErrorRequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Config } from './config.js';

/** What the app needs from the outside world, passed in so tests can build it against real services. */
export interface Deps {
  pool: pg.Pool;
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

  // POST /auth/register {email, password} → 201 {id, email, role} | 400 | 409
  app.post('/auth/register', () => notImplemented());
  // POST /auth/login {email, password} → 200 {accessToken, refreshToken, expiresIn} | 400 | 401 | 429
  app.post('/auth/login', () => notImplemented());
  // POST /auth/refresh {refreshToken} → 200 {accessToken, refreshToken, expiresIn} | 400 | 401
  app.post('/auth/refresh', () => notImplemented());
  // POST /auth/logout (Bearer) → 204 | 401 | 503
  app.post('/auth/logout', () => notImplemented());
  // GET /me (Bearer) → 200 {id, email, role} | 401 | 503
  app.get('/me', () => notImplemented());
  // GET /admin/users (Bearer, admin) → 200 [{id, email, role}] | 401 | 403 | 503
  app.get('/admin/users', () => notImplemented());

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
