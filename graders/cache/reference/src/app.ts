import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { type Origin, OriginUnavailable } from './origin.js';
import type { Products, Served } from './products.js';

/** What the app needs from the outside world. */
export interface Deps {
  products: Products;
  origin: Origin;
  /** CACHE_TTL_MS: the longest `max-age` a fresh answer may carry (R1). */
  freshMs: number;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_BATCH = 50;

const sendError = (res: Response, status: number, code: string, message: string): void => {
  res.status(status).json({ error: { code, message } });
};

const etagOf = (id: string, version: number): string => `"${id}.v${version}"`;

/** Whether `If-None-Match` names `etag` (weak comparison, lists, `*`). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

function sendProduct(
  req: Request,
  res: Response,
  id: string,
  served: Exclude<Served, { kind: 'unknown' }>,
  freshMs: number,
) {
  const { entry } = served;
  const etag = etagOf(id, entry.version);
  const age = Date.now() - entry.fetchedAt;
  const left = served.kind === 'stale' ? 0 : Math.max(0, Math.ceil((freshMs - age) / 1000));
  res.set({
    ETag: etag,
    'Cache-Control': `public, max-age=${left}`,
    'X-Cache': served.kind === 'stale' ? 'STALE' : served.kind === 'fresh' ? 'HIT' : 'MISS',
  });
  if (served.kind === 'stale') res.set('Age', String(Math.floor(age / 1000)));
  if (matches(req.get('if-none-match'), etag)) return res.status(304).end();
  res.type('application/json').send(entry.json);
}

export function createApp(deps: Deps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '16kb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/products/:id', async (req, res) => {
    const id = req.params.id;
    if (!ID.test(id))
      return sendError(res, 400, 'bad_id', 'a product id is 1-64 characters of A-Z a-z 0-9 _ -');
    const served = await deps.products.get(id);
    if (served.kind === 'unknown') return sendError(res, 404, 'not_found', `no product ${id}`);
    sendProduct(req, res, id, served, deps.freshMs);
  });

  app.get('/products', async (req, res) => {
    const raw = typeof req.query.ids === 'string' ? req.query.ids : '';
    const ids = raw.split(',').filter((s) => s !== '');
    if (
      ids.length === 0 ||
      ids.length > MAX_BATCH ||
      !ids.every((id) => ID.test(id)) ||
      new Set(ids).size !== ids.length
    )
      return sendError(res, 400, 'bad_ids', `ids: 1 to ${MAX_BATCH} distinct product ids, comma-separated`);
    const { products, missing } = await deps.products.getMany(ids);
    res
      .type('application/json')
      .send(`{"products":[${products.join(',')}],"missing":${JSON.stringify(missing)}}`);
  });

  app.put('/products/:id', async (req, res) => {
    const id = req.params.id;
    if (!ID.test(id))
      return sendError(res, 400, 'bad_id', 'a product id is 1-64 characters of A-Z a-z 0-9 _ -');
    const b = req.body as { name?: unknown; priceCents?: unknown } | undefined;
    if (
      !b ||
      typeof b.name !== 'string' ||
      b.name.length < 1 ||
      b.name.length > 200 ||
      !Number.isInteger(b.priceCents) ||
      (b.priceCents as number) < 0
    )
      return sendError(res, 400, 'bad_body', '{"name": 1-200 characters, "priceCents": an integer >= 0}');
    const served = await deps.products.write(id, { name: b.name, priceCents: b.priceCents as number });
    if (served.kind === 'unknown') return sendError(res, 404, 'not_found', `no product ${id}`);
    res.type('application/json').send(served.entry.json);
  });

  app.get('/me/recommendations', async (req, res) => {
    const auth = req.get('authorization');
    if (!auth) return sendError(res, 401, 'unauthorized', 'an Authorization header is required');
    // Never cached: the answer is the caller's alone (R11).
    res.set('Cache-Control', 'private, no-store');
    const a = await deps.origin.call('GET', '/recommendations', { headers: { authorization: auth } });
    if (a.status === 401 || a.status === 403)
      return sendError(res, 401, 'unauthorized', 'the origin refused this caller');
    if (a.status !== 200) throw new OriginUnavailable(`origin answered ${a.status}`);
    res.json(a.json);
  });

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof OriginUnavailable) return sendError(res, 503, 'origin_unavailable', err.message);
    if ((err as { type?: string }).type === 'entity.parse.failed')
      return sendError(res, 400, 'bad_body', 'the body is not JSON');
    console.error(err);
    sendError(res, 500, 'internal', 'internal error');
  };
  app.use(onError);

  return app;
}
