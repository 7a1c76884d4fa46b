import express from 'express';
import { Redis } from 'ioredis';

// Calibration for the performance items: the least an Express service can do per redirect,
// one Redis GET, measured in the same run on the same machine as the candidate.
const redis = new Redis(process.env.REDIS_URL!);
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});
app.post('/__seed', express.json(), async (req, res) => {
  const entries = Object.entries(req.body as Record<string, string>);
  await Promise.all(entries.map(([code, url]) => redis.set(`baseline:${code}`, url)));
  res.json({ seeded: entries.length });
});
app.get('/:code', async (req, res) => {
  const url = await redis.get(`baseline:${req.params.code}`);
  if (!url) {
    res.status(404).end();
    return;
  }
  res.writeHead(302, { Location: url }).end();
});
app.listen(Number(process.env.PORT));
