import express from 'express';
import pg from 'pg';

// Calibration for first-page throughput: the least an Express service can do per request, one
// primary-key query on the same table, measured in the same run on the same machine.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});
app.get('/api/v1/products/:id', async (req, res) => {
  const { rows } = await pool.query(
    'SELECT id, name, category, price_cents, created_at, updated_at FROM products WHERE id = $1',
    [req.params.id],
  );
  res.json(rows[0] ?? null);
});
app.listen(Number(process.env.PORT));
