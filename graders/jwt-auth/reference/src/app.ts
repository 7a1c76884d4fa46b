import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { z } from 'zod';
import type { Config } from './config.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import { type AccessClaims, type AccessTokens, newRefreshToken, refreshHash } from './tokens.js';

/** What the app needs from the outside world, passed in so tests can build it against real services. */
export interface Deps {
  pool: pg.Pool;
  redis: Redis;
  config: Config;
  tokens: AccessTokens;
}

/** An error with an HTTP status and a stable machine-readable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const sendError = (res: Response, status: number, code: string, message: string): void => {
  res.status(status).json({ error: { code, message } });
};

const Credentials = z.object({
  email: z
    .string()
    .min(3)
    .max(254)
    .regex(/^[^@]+@[^@]+$/),
  password: z.string().min(8).max(128),
});
const RefreshBody = z.object({ refreshToken: z.string().min(1).max(1024) });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new HttpError(400, 'invalid_request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return r.data;
}

const MAX_FAILURES = 5;
const FAILURE_WINDOW_SEC = 60;
const BAD_CREDENTIALS = new HttpError(401, 'invalid_credentials', 'email or password is wrong');
const failuresKey = (email: string) => `login-failures:${email.toLowerCase()}`;
const revokedKey = (jti: string) => `revoked:${jti}`;

/** The authenticated caller, set by `authenticate`. */
interface Authed {
  claims: AccessClaims;
}

export function createApp(deps: Deps) {
  const { pool, redis, config, tokens } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '16kb' }));

  // Emails never change: /me needs no database round trip once an id has been seen.
  const emails = new Map<string, string>();

  async function issuePair(userId: string, role: string, family: string) {
    const refreshToken = newRefreshToken();
    const inserted = await pool.query(
      // A family revoked meanwhile (a racing reuse) gets no new token.
      `INSERT INTO refresh_tokens (token_hash, family, user_id, expires_at)
       SELECT $1, $2, $3, now() + make_interval(secs => $4)
       WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens WHERE family = $2 AND revoked)`,
      [refreshHash(refreshToken), family, userId, config.REFRESH_TOKEN_TTL_SECONDS],
    );
    if (inserted.rowCount !== 1) throw new HttpError(401, 'invalid_token', 'the session was revoked');
    const accessToken = tokens.sign(userId, role, family);
    return { accessToken, refreshToken, expiresIn: config.ACCESS_TOKEN_TTL_SECONDS };
  }

  /** Bearer token from the Authorization header only, verified, not revoked (R7, R11, R13). */
  async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
    const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(
      req.get('authorization') ?? '',
    );
    const claims = m ? tokens.verify(m[1]!) : null;
    if (!claims) return sendError(res, 401, 'invalid_token', 'a valid bearer access token is required');
    let revoked: number;
    try {
      revoked = await redis.exists(revokedKey(claims.jti));
    } catch {
      return sendError(res, 503, 'unavailable', 'token revocation cannot be checked right now');
    }
    if (revoked) return sendError(res, 401, 'invalid_token', 'the token was revoked');
    (res.locals as Authed).claims = claims;
    next();
  }

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.post('/auth/register', async (req, res) => {
    const { email, password } = parse(Credentials, req.body);
    const hash = await hashPassword(password);
    const { rows } = await pool.query<{ id: string; email: string; role: string }>(
      `INSERT INTO users (email, password_hash) VALUES ($1, $2)
       ON CONFLICT ((lower(email))) DO NOTHING RETURNING id, email, role`,
      [email, hash],
    );
    if (!rows[0]) throw new HttpError(409, 'email_taken', 'an account with this email exists');
    res.status(201).json(rows[0]);
  });

  app.post('/auth/login', async (req, res) => {
    const { email, password } = parse(Credentials, req.body);
    const key = failuresKey(email);
    const [failures, ttl] = await Promise.all([redis.get(key), redis.ttl(key)]);
    if (Number(failures) >= MAX_FAILURES) {
      throw new HttpError(429, 'too_many_attempts', 'too many failed logins for this email; try later', {
        'Retry-After': String(Math.min(FAILURE_WINDOW_SEC, Math.max(1, ttl))),
      });
    }
    const { rows } = await pool.query<{ id: string; password_hash: string; role: string }>(
      'SELECT id, password_hash, role FROM users WHERE lower(email) = lower($1)',
      [email],
    );
    const user = rows[0];
    // An unknown email costs a hash too: neither the answer nor its timing tells them apart.
    const ok = await verifyPassword(password, user?.password_hash ?? (await decoyHash));
    if (!user || !ok) {
      await redis.multi().incr(key).expire(key, FAILURE_WINDOW_SEC, 'NX').exec();
      throw BAD_CREDENTIALS;
    }
    res.json(await issuePair(user.id, user.role, randomUUID()));
  });

  app.post('/auth/refresh', async (req, res) => {
    const { refreshToken } = parse(RefreshBody, req.body);
    const hash = refreshHash(refreshToken);
    // Spending is one conditional UPDATE: of two concurrent refreshes, one gets the row.
    const spent = await pool.query<{ family: string; user_id: string }>(
      `UPDATE refresh_tokens SET spent_at = now()
       WHERE token_hash = $1 AND spent_at IS NULL AND NOT revoked AND expires_at > now()
       RETURNING family, user_id`,
      [hash],
    );
    const row = spent.rows[0];
    if (!row) {
      // A spent token coming back means it was stolen (or raced): the whole family goes.
      await pool.query(
        `UPDATE refresh_tokens SET revoked = true
         WHERE family = (SELECT family FROM refresh_tokens WHERE token_hash = $1 AND spent_at IS NOT NULL)`,
        [hash],
      );
      throw new HttpError(401, 'invalid_token', 'the refresh token is unknown, expired, spent or revoked');
    }
    const { rows } = await pool.query<{ role: string }>('SELECT role FROM users WHERE id = $1', [
      row.user_id,
    ]);
    res.json(await issuePair(row.user_id, rows[0]!.role, row.family));
  });

  app.post('/auth/logout', authenticate, async (_req, res) => {
    const { claims } = res.locals as Authed;
    const ttl = Math.max(1, claims.exp - Math.floor(Date.now() / 1000) + 2);
    try {
      await redis.set(revokedKey(claims.jti), '1', 'EX', ttl);
    } catch {
      throw new HttpError(503, 'unavailable', 'the token cannot be revoked right now');
    }
    if (claims.sid)
      await pool.query('UPDATE refresh_tokens SET revoked = true WHERE family = $1', [claims.sid]);
    res.status(204).end();
  });

  app.get('/me', authenticate, async (_req, res) => {
    const { claims } = res.locals as Authed;
    let email = emails.get(claims.sub);
    if (email === undefined) {
      const { rows } = await pool.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [
        claims.sub,
      ]);
      if (!rows[0]) throw new HttpError(401, 'invalid_token', 'the account no longer exists');
      email = rows[0].email;
      if (emails.size > 100_000) emails.clear();
      emails.set(claims.sub, email);
    }
    res.json({ id: claims.sub, email, role: claims.role });
  });

  app.get('/admin/users', authenticate, async (_req, res) => {
    const { claims } = res.locals as Authed;
    if (claims.role !== 'admin') throw new HttpError(403, 'forbidden', 'admins only');
    const { rows } = await pool.query('SELECT id, email, role FROM users ORDER BY created_at, id');
    res.json(rows);
  });

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) {
      res.set(err.headers);
      return sendError(res, err.status, err.code, err.message);
    }
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.parse.failed')
      return sendError(res, 400, 'invalid_json', 'the body is not valid JSON');
    if (e.status && e.status >= 400 && e.status < 500)
      return sendError(res, e.status, 'bad_request', 'bad request');
    // Redis or Postgres unreachable on a route without its own answer.
    console.error(err);
    sendError(res, 503, 'unavailable', 'a dependency is unavailable; try again');
  };
  app.use(onError);

  return app;
}
