import { createHash } from 'node:crypto';
import express, { type ErrorRequestHandler, type Response } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import type { OrderRow } from './worker.js';

/** What the app needs from the outside world, passed in so tests can build it against real services. */
export interface Deps {
  pool: pg.Pool;
  /** Tell the saga worker a new order is there. */
  kick: () => void;
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

const OrderBody = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().min(1),
  amountCents: z.number().int().min(1),
  address: z.string().min(1),
});

/** The steps of R3, from what the row records. */
function steps(o: OrderRow) {
  const forward = [
    { name: 'reserve', id: o.reservation_id },
    { name: 'charge', id: o.charge_id },
    { name: 'ship', id: o.shipment_id },
  ].map((s) => ({ ...s, status: s.id ? 'done' : s.name === o.failed_step ? 'failed' : 'pending' }));
  const back = o.failed_step
    ? [
        ...(o.charge_id ? [{ name: 'refund', status: o.step === 'refund' ? 'pending' : 'done' }] : []),
        ...(o.reservation_id
          ? [{ name: 'release', status: o.status === 'CANCELLED' ? 'done' : 'pending' }]
          : []),
      ]
    : [];
  return [...forward, ...back];
}

export function createApp({ pool, kick }: Deps) {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.post('/orders', async (req, res) => {
    const key = req.get('idempotency-key');
    if (!key || key.length > 255)
      throw new HttpError(400, 'idempotency_key_required', 'send an Idempotency-Key of 1–255 characters');
    const parsed = OrderBody.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new HttpError(400, 'invalid_request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const o = parsed.data;
    const hash = createHash('sha256')
      .update(JSON.stringify([o.sku, o.quantity, o.amountCents, o.address]))
      .digest('hex');
    // The unique key decides which of two racing requests creates the order.
    const created = await pool.query<{ id: string; status: string }>(
      `INSERT INTO orders (idem_key, request_hash, sku, quantity, amount_cents, address)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idem_key) DO NOTHING RETURNING id, status`,
      [key, hash, o.sku, o.quantity, o.amountCents, o.address],
    );
    if (created.rows[0]) {
      kick();
      res.status(202).json({ orderId: created.rows[0].id, status: created.rows[0].status });
      return;
    }
    const { rows } = await pool.query<{ id: string; status: string; request_hash: string }>(
      'SELECT id, status, request_hash FROM orders WHERE idem_key = $1',
      [key],
    );
    const existing = rows[0]!;
    if (existing.request_hash !== hash)
      throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another body');
    res.status(200).json({ orderId: existing.id, status: existing.status });
  });

  app.get('/orders/:id', async (req, res) => {
    const id = req.params.id;
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new HttpError(404, 'not_found', 'no such order');
    const { rows } = await pool.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [id]);
    const o = rows[0];
    if (!o) throw new HttpError(404, 'not_found', 'no such order');
    res.json({ orderId: o.id, status: o.status, steps: steps(o) });
  });

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message);
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.parse.failed')
      return sendError(res, 400, 'invalid_json', 'the body is not valid JSON');
    if (e.status && e.status >= 400 && e.status < 500)
      return sendError(res, e.status, 'bad_request', 'bad request');
    console.error(err);
    sendError(res, 503, 'unavailable', 'try again');
  };
  app.use(onError);

  return app;
}
