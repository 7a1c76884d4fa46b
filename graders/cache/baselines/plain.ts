import express from 'express';
import { Redis } from 'ioredis';

// Calibration for the performance items: the product route as an Express app serves it from Redis
// with nothing around it, one GET per request and the stored JSON sent as it is, measured in the
// same run on the same machine.
const redis = new Redis(process.env.REDIS_URL!);
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});
app.get('/products/:id', async (req, res) => {
  const key = `baseline:${req.params.id}`;
  let json = await redis.get(key);
  if (json === null) {
    json = JSON.stringify({
      id: req.params.id,
      name: `Product ${req.params.id}`,
      priceCents: 1999,
      version: 1,
    });
    await redis.set(key, json, 'PX', 600_000);
  }
  res.set({ 'Cache-Control': 'public, max-age=1', ETag: '"1"' });
  res.type('application/json').send(json);
});
app.listen(Number(process.env.PORT));
