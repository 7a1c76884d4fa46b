import express from 'express';
import { Redis } from 'ioredis';

// Calibration for the performance items: the limited routes as the same Express app serves them,
// headers included, with no limiter but the one Redis round trip a limiter shared by instances
// cannot avoid (an INCR), measured in the same run on the same machine.
const redis = new Redis(process.env.REDIS_URL!);
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});
for (const policy of ['window', 'bucket']) {
  app.get(`/api/${policy}/resource`, async (req, res) => {
    await redis.incr(`baseline:${policy}`);
    res.set({
      'X-RateLimit-Limit': '1000000',
      'X-RateLimit-Remaining': '999999',
      'X-RateLimit-Reset': '1',
      'RateLimit-Policy': `"${policy}";q=1000000;w=1`,
      RateLimit: `"${policy}";r=999999;t=1`,
    });
    res.json({ ok: true, client: `key:${req.get('x-api-key') ?? ''}` });
  });
}
app.listen(Number(process.env.PORT));
