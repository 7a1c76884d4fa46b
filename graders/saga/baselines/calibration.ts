import { randomUUID } from 'node:crypto';
import express from 'express';
import pg from 'pg';

// Calibration for the performance items: the same three calls per order against the same
// services, with one durable write per step, and nothing else (no leases, no retries, no
// compensations), measured in the same run on the same machine.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
await pool.query(`CREATE TABLE IF NOT EXISTS calibration_orders (
  id uuid PRIMARY KEY, status text NOT NULL, step text NOT NULL, ids text[] NOT NULL DEFAULT '{}')`);

const call = async (url: string, key: string, body: unknown) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Idempotency-Key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(2_000),
  });
  return (await res.json()) as Record<string, string>;
};

async function run(id: string, o: { sku: string; quantity: number; amountCents: number; address: string }) {
  const steps: [string, string, unknown, string][] = [
    [
      'reserve',
      `${process.env.INVENTORY_URL}/reservations`,
      { orderId: id, sku: o.sku, quantity: o.quantity },
      'reservationId',
    ],
    ['charge', `${process.env.PAYMENT_URL}/charges`, { orderId: id, amountCents: o.amountCents }, 'chargeId'],
    ['ship', `${process.env.SHIPPING_URL}/shipments`, { orderId: id, address: o.address }, 'shipmentId'],
  ];
  for (const [step, url, body, field] of steps) {
    const r = await call(url, `${id}:${step}`, body);
    await pool.query('UPDATE calibration_orders SET step = $2, ids = ids || $3 WHERE id = $1', [
      id,
      step,
      [r[field] ?? ''],
    ]);
  }
  await pool.query(`UPDATE calibration_orders SET status = 'COMPLETED' WHERE id = $1`, [id]);
}

const app = express();
app.disable('x-powered-by');
app.use(express.json());
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});
app.post('/orders', async (req, res) => {
  const id = randomUUID();
  await pool.query(`INSERT INTO calibration_orders (id, status, step) VALUES ($1, 'PENDING', 'new')`, [id]);
  void run(id, req.body).catch(() => {});
  res.status(202).json({ orderId: id, status: 'PENDING' });
});
app.get('/orders/:id', async (req, res) => {
  const { rows } = await pool.query('SELECT id, status, step FROM calibration_orders WHERE id = $1', [
    req.params.id,
  ]);
  if (!rows[0]) return void res.status(404).json({ error: { code: 'not_found', message: 'no such order' } });
  res.json({ orderId: rows[0].id, status: rows[0].status, steps: [rows[0].step] });
});
app.listen(Number(process.env.PORT));
