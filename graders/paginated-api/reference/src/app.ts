import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import type pg from 'pg';
import { z } from 'zod';

/** What the app needs from the outside world. */
export interface Deps {
  pool: pg.Pool;
  /** Signs cursors; shared by every instance (it lives in the database). */
  cursorSecret: Buffer;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
const bad = (message: string): HttpError => new HttpError(400, 'invalid_parameter', message);

// Each sort: the ORDER BY expression, how a cursor key is read out, and how it is cast back.
const SORTS = {
  created_at: { expr: 'created_at', key: 'created_at::text', cast: '$K::timestamptz' },
  price: { expr: 'price_cents', key: 'price_cents::text', cast: '$K::int' },
  name: { expr: 'name COLLATE "C"', key: 'name', cast: '$K::text COLLATE "C"' },
} as const;
type Sort = keyof typeof SORTS;

const FIELDS = ['id', 'name', 'category', 'priceCents', 'createdAt', 'updatedAt'] as const;
type Field = (typeof FIELDS)[number];

const one = z.string();
const ListQuery = z.object({
  limit: one.regex(/^\d{1,3}$/, 'limit must be an integer from 1 to 100').optional(),
  cursor: one.max(2000).optional(),
  sort: z.enum(['created_at', 'price', 'name']).default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
  // Postgres text cannot hold NUL: refuse it here rather than fail in the query.
  category: one
    .max(200)
    .refine((c) => !c.includes('\u0000'), 'category must not contain NUL')
    .optional(),
  fields: one.max(500).optional(),
});

function parseFields(raw: string | undefined): Field[] {
  if (raw === undefined) return [...FIELDS];
  const asked = raw.split(',');
  for (const f of asked) if (!(FIELDS as readonly string[]).includes(f)) throw bad(`unknown field "${f}"`);
  return FIELDS.filter((f) => f === 'id' || asked.includes(f));
}

interface Row {
  id: string;
  name: string;
  category: string;
  price_cents: number;
  created_at: Date;
  updated_at: Date;
  k: string;
}

function item(r: Row, fields: Field[]): Record<string, unknown> {
  const all: Record<Field, unknown> = {
    id: Number(r.id),
    name: r.name,
    category: r.category,
    priceCents: r.price_cents,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
  return Object.fromEntries(fields.map((f) => [f, all[f]]));
}

/** A cursor: where the page ended and the query it belongs to, signed so it cannot be edited. */
interface CursorBody {
  s: Sort;
  o: 'asc' | 'desc';
  c: string | null;
  k: string;
  i: string;
}

function cursorCodec(secret: Buffer) {
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest().subarray(0, 16);
  return {
    encode(b: CursorBody): string {
      const payload = Buffer.from(JSON.stringify(b)).toString('base64url');
      return `${payload}.${sign(payload).toString('base64url')}`;
    },
    decode(raw: string): CursorBody {
      const [payload, sig, extra] = raw.split('.');
      if (!payload || !sig || extra !== undefined) throw bad('malformed cursor');
      const given = Buffer.from(sig, 'base64url');
      const want = sign(payload);
      if (given.length !== want.length || !timingSafeEqual(given, want)) throw bad('invalid cursor');
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CursorBody;
    },
  };
}

/** Strong ETag of a body; If-None-Match matches it in any form R11 lists. */
const etagOf = (body: string): string =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

/** JSON with ETag, 304 on a matching If-None-Match, gzip over 1 KB when asked. */
function send(req: Request, res: Response, value: unknown, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  const etag = etagOf(body);
  res.set({ ETag: etag, Vary: 'Accept-Encoding', ...extra });
  if (matches(req.get('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  res.type('application/json');
  if (body.length > 1024 && /\bgzip\b/.test(req.get('accept-encoding') ?? '')) {
    res.set('Content-Encoding', 'gzip').send(gzipSync(body));
    return;
  }
  res.send(body);
}

export function createApp(deps: Deps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const cursors = cursorCodec(deps.cursorSecret);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/api/v1/products', async (req, res) => {
    const parsed = ListQuery.safeParse(req.query);
    if (!parsed.success) throw bad(parsed.error.issues[0]?.message ?? 'invalid query');
    const q = parsed.data;
    const limit = q.limit === undefined ? 20 : Number(q.limit);
    if (limit < 1 || limit > 100) throw bad('limit must be an integer from 1 to 100');
    const fields = parseFields(q.fields);
    const sort = SORTS[q.sort];
    const category = q.category ?? null;
    const params: unknown[] = [];
    const where: string[] = [];
    if (category !== null) {
      params.push(category);
      where.push(`category = $${params.length}`);
    }
    if (q.cursor !== undefined) {
      const c = cursors.decode(q.cursor);
      if (c.s !== q.sort || c.o !== q.order || c.c !== category)
        throw bad('this cursor belongs to another sort, order or category');
      params.push(c.k, c.i);
      const cmp = q.order === 'desc' ? '<' : '>';
      where.push(
        `(${sort.expr}, id) ${cmp} (${sort.cast.replace('$K', `$${params.length - 1}`)}, $${params.length}::bigint)`,
      );
    }
    params.push(limit + 1);
    const dir = q.order === 'desc' ? 'DESC' : 'ASC';
    const { rows } = await deps.pool.query<Row>(
      `SELECT id, name, category, price_cents, created_at, updated_at, ${sort.key} AS k FROM products
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${sort.expr} ${dir}, id ${dir} LIMIT $${params.length}`,
      params,
    );
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor =
      hasMore && last ? cursors.encode({ s: q.sort, o: q.order, c: category, k: last.k, i: last.id }) : null;
    const extra: Record<string, string> = {};
    if (nextCursor) {
      const next = new URLSearchParams(req.query as Record<string, string>);
      next.set('cursor', nextCursor);
      extra.Link = `</api/v1/products?${next}>; rel="next"`;
    }
    send(req, res, { data: page.map((r) => item(r, fields)), page: { nextCursor, hasMore } }, extra);
  });

  app.get('/api/v1/products/:id', async (req: Request<{ id: string }>, res) => {
    if (!/^[1-9]\d{0,17}$/.test(req.params.id)) throw bad('id must be a positive integer');
    const rawFields = req.query.fields;
    if (rawFields !== undefined && typeof rawFields !== 'string') throw bad('fields must be given once');
    const fields = parseFields(rawFields);
    const { rows } = await deps.pool.query<Row>(
      'SELECT id, name, category, price_cents, created_at, updated_at, id AS k FROM products WHERE id = $1',
      [req.params.id],
    );
    if (!rows[0]) throw new HttpError(404, 'not_found', `no product ${req.params.id}`);
    send(req, res, item(rows[0], fields));
  });

  app.use((req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const e = err instanceof HttpError ? err : null;
    if (!e) console.error(err);
    res
      .status(e?.status ?? 500)
      .json({ error: { code: e?.code ?? 'internal', message: e?.message ?? 'internal error' } });
  };
  app.use(onError);
  return app;
}
