import express, { type ErrorRequestHandler, type Request } from 'express';
import { z } from 'zod';

/** One order as the API shows it (README R1). */
export interface Order {
  id: number;
  customer_id: number;
  status: string;
  created_at: string;
  total_cents: number;
  items: {
    line_no: number;
    product_id: number;
    product_name: string;
    quantity: number;
    unit_price_cents: number;
    line_total_cents: number;
  }[];
}

/** Where a page of orders resumes: the last order's exact created_at (as Postgres prints it) and id. */
export interface OrderKey {
  at: string;
  id: number;
}

/** The data behind the API: every query the service makes goes through here. */
export interface Shop {
  /** A customer's orders, newest first, after `after`; null when there is no such customer. */
  customerOrders(
    customerId: number,
    limit: number,
    after: OrderKey | null,
  ): Promise<{ order: Order; key: OrderKey }[] | null>;
  customers(
    country: string,
    afterId: number,
    limit: number,
  ): Promise<
    { id: number; name: string; email: string; order_count: number; last_order_at: string | null }[]
  >;
  topProducts(
    from: Date,
    until: Date,
    limit: number,
  ): Promise<{ product_id: number; name: string; units: number; revenue_cents: number }[]>;
  /** Products whose lower-cased name starts with `prefix` (already lower-cased). */
  search(prefix: string, limit: number): Promise<{ id: number; name: string; price_cents: number }[]>;
  placeOrder(
    customerId: number,
    items: { product_id: number; quantity: number }[],
  ): Promise<Order | 'unknown_customer' | 'unknown_product'>;
}

/** What the app needs from the outside world. */
export interface Deps {
  shop: Shop;
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

const id = (what: string) => z.string().regex(/^[1-9]\d{0,15}$/, `${what} must be a positive integer`);
const limitOf = (raw: unknown, def: number, max: number): number => {
  if (raw === undefined) return def;
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
    throw bad(`limit must be an integer from 1 to ${max}`);
  return Number(raw);
};
const DAY = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are YYYY-MM-DD');
const MAX_RANGE_DAYS = 31;

function parseDay(raw: unknown, name: string): Date {
  const s = DAY.safeParse(raw);
  if (!s.success) throw bad(`${name} must be a date YYYY-MM-DD`);
  const d = new Date(`${s.data}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s.data)
    throw bad(`${name} is not a date`);
  return d;
}

const cursorOf = (k: OrderKey): string => Buffer.from(JSON.stringify([k.at, k.id])).toString('base64url');
function keyOf(cursor: unknown): OrderKey {
  if (typeof cursor !== 'string' || cursor.length > 200) throw bad('malformed cursor');
  try {
    const [at, i] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at !== 'string' || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00$/.test(at)) throw 0;
    if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 1) throw 0;
    return { at, id: i };
  } catch {
    throw bad('malformed cursor');
  }
}

const NewOrder = z.object({
  customer_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  items: z
    .array(
      z.object({
        product_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
        quantity: z.number().int().min(1).max(100),
      }),
    )
    .min(1)
    .max(20),
});

/** The HTTP API. Never listens: server.ts does. */
export function createApp(deps: Deps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '64kb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/customers/:id/orders', async (req: Request<{ id: string }>, res) => {
    const cid = id('customer id').safeParse(req.params.id);
    if (!cid.success) throw new HttpError(404, 'not_found', `no customer ${req.params.id}`);
    const limit = limitOf(req.query.limit, 20, 50);
    const after = req.query.cursor === undefined ? null : keyOf(req.query.cursor);
    const rows = await deps.shop.customerOrders(Number(cid.data), limit + 1, after);
    if (!rows) throw new HttpError(404, 'not_found', `no customer ${cid.data}`);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    res.json({
      data: page.map((r) => r.order),
      next_cursor: rows.length > limit && last ? cursorOf(last.key) : null,
    });
  });

  app.get('/customers', async (req, res) => {
    const country = req.query.country;
    if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country))
      throw bad('country must be two capital letters');
    const limit = limitOf(req.query.limit, 20, 100);
    let afterId = 0;
    if (req.query.after_id !== undefined) {
      const a = req.query.after_id;
      if (typeof a !== 'string' || !/^(0|[1-9]\d{0,15})$/.test(a))
        throw bad('after_id must be an integer ≥ 0');
      afterId = Number(a);
    }
    const data = await deps.shop.customers(country, afterId, limit);
    res.json({ data, next_after_id: data.length === limit ? data.at(-1)!.id : null });
  });

  app.get('/reports/top-products', async (req, res) => {
    const from = parseDay(req.query.from, 'from');
    const to = parseDay(req.query.to, 'to');
    const days = (to.getTime() - from.getTime()) / 86_400_000 + 1;
    if (days < 1) throw bad('from must not be after to');
    if (days > MAX_RANGE_DAYS) throw bad(`the range spans at most ${MAX_RANGE_DAYS} days`);
    const limit = limitOf(req.query.limit, 10, 100);
    const until = new Date(to.getTime() + 86_400_000);
    const data = await deps.shop.topProducts(from, until, limit);
    res.json({ from: req.query.from, to: req.query.to, data });
  });

  app.get('/products/search', async (req, res) => {
    const q = req.query.q;
    if (typeof q !== 'string' || q.length < 1 || q.length > 50 || q.includes('\u0000'))
      throw bad('q must be 1 to 50 characters');
    const limit = limitOf(req.query.limit, 20, 100);
    res.json({ data: await deps.shop.search(asciiLower(q), limit) });
  });

  app.post('/orders', async (req, res) => {
    const parsed = NewOrder.safeParse(req.body);
    if (!parsed.success) throw bad(parsed.error.issues[0]?.message ?? 'invalid order');
    const placed = await deps.shop.placeOrder(parsed.data.customer_id, parsed.data.items);
    if (placed === 'unknown_customer')
      throw new HttpError(422, placed, `no customer ${parsed.data.customer_id}`);
    if (placed === 'unknown_product') throw new HttpError(422, placed, 'an item names no product');
    res.status(201).json(placed);
  });

  app.use((req, _res) => {
    throw new HttpError(404, 'not_found', `no route ${req.method} ${req.path}`);
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    // express.json's parse errors carry their own 4xx status.
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: { code: 'bad_request', message: 'malformed request body' } });
      return;
    }
    console.error(err);
    res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
  };
  app.use(onError);
  return app;
}

/** Lower-cases A–Z only (README R4): names are ASCII, and a query's other letters match nothing. */
export const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
