import { randomBytes } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { Cache } from './cache.js';
import { ClickFlusher } from './clicks.js';
import { findUrl, insertUrl, type UrlRow } from './db.js';
import { HttpError, parseCreate } from './validate.js';

/** What the app needs from the outside world. */
export interface Deps {
  pool: pg.Pool;
  redis: Redis;
  baseUrl: string;
  clock?: () => number;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const CODE = /^[A-Za-z0-9_-]{1,32}$/;

function randomCode(length = 7): string {
  const bytes = randomBytes(length);
  let s = '';
  // 62 does not divide 256: the tiny bias is irrelevant for identifiers that are not secrets.
  for (const b of bytes) s += ALPHABET[b % 62];
  return s;
}

function view(row: UrlRow, baseUrl: string) {
  return {
    code: row.code,
    shortUrl: `${baseUrl}/${row.code}`,
    url: row.url,
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
  };
}

const sendError = (res: Response, status: number, code: string, message: string): void => {
  res.status(status).json({ error: { code, message } });
};

export function createApp(deps: Deps) {
  const clock = deps.clock ?? Date.now;
  const cache = new Cache(deps.redis, clock);
  const clicks = new ClickFlusher(deps.pool);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.post('/api/v1/urls', express.json({ limit: '16kb' }), async (req: Request, res: Response) => {
    if (!req.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'send a JSON body');
    const input = parseCreate(req.body, deps.baseUrl, clock());
    let row: UrlRow | null = null;
    if (input.alias) {
      row = await insertUrl(deps.pool, input.alias, input.url, input.expiresAt);
      if (!row) throw new HttpError(409, 'alias_taken', `alias "${input.alias}" is already in use`);
    } else {
      // 62^7 codes: a collision is rare, and ON CONFLICT makes it safe across instances.
      for (let attempt = 0; attempt < 5 && !row; attempt++) {
        row = await insertUrl(deps.pool, randomCode(attempt < 3 ? 7 : 9), input.url, input.expiresAt);
      }
      if (!row) throw new Error('could not allocate a code');
    }
    await cache.put(row.code, row.url, row.expires_at);
    res.status(201).json(view(row, deps.baseUrl));
  });

  app.get('/api/v1/urls/:code/stats', async (req: Request<{ code: string }>, res: Response) => {
    const code = req.params.code;
    const row = CODE.test(code) ? await findUrl(deps.pool, code) : null;
    if (!row) throw new HttpError(404, 'not_found', `no short URL "${code}"`);
    res.json({
      code: row.code,
      url: row.url,
      clicks: Number(row.clicks) + clicks.held(code),
      createdAt: row.created_at.toISOString(),
      expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
    });
  });

  app.get('/:code', async (req: Request<{ code: string }>, res: Response) => {
    const code = req.params.code;
    if (!CODE.test(code)) throw new HttpError(404, 'not_found', `no short URL "${code}"`);
    // The hot path: one Redis GET (cache entries expire with their link).
    const cached = await cache.get(code);
    if (cached?.url) {
      clicks.count(code);
      res.writeHead(302, { Location: cached.url }).end();
      return;
    }
    const row = await findUrl(deps.pool, code);
    const now = clock();
    const live = row && (!row.expires_at || row.expires_at.getTime() > now);
    if (!live) {
      if (!row) throw new HttpError(404, 'not_found', `no short URL "${code}"`);
      throw new HttpError(410, 'expired', `short URL "${code}" has expired`);
    }
    // A miss (not an unavailable Redis) fills the cache for the next request.
    if (cached) await cache.put(row.code, row.url, row.expires_at);
    clicks.count(code);
    res.writeHead(302, { Location: row.url }).end();
  });

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message);
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.parse.failed')
      return sendError(res, 400, 'invalid_json', 'body is not valid JSON');
    if (e.type === 'entity.too.large')
      return sendError(res, 413, 'payload_too_large', 'body is larger than 16 KB');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendError(res, e.status, 'bad_request', 'request could not be processed');
    }
    console.error(err);
    sendError(res, 500, 'internal', 'internal error');
  };
  app.use(onError);

  return { app, clicks };
}
