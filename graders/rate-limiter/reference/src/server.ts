import { Redis } from 'ioredis';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { GuardedLimiter } from './guarded.js';
import { LocalLimiter } from './local.js';
import type { Limits } from './policies.js';
import { RedisLimiter } from './redis-limiter.js';

const config = loadConfig();
// Fail fast while Redis is away: no offline queue, a short command timeout (a hanging Redis must
// not hang requests) and quick reconnects (back on the shared budget soon after it returns).
const redis = new Redis(config.REDIS_URL, {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  maxRetriesPerRequest: 0,
  commandTimeout: 300,
  connectTimeout: 500,
  retryStrategy: () => 200,
});
redis.on('error', () => {
  // reconnects on its own; the breaker covers the gap
});

const limits: Limits = {
  windowLimit: config.RATE_LIMIT,
  windowMs: config.RATE_LIMIT_WINDOW_MS,
  capacity: config.BUCKET_CAPACITY,
  refillPerSec: config.BUCKET_REFILL_PER_SEC,
};
const limiter = new GuardedLimiter(
  redis,
  new RedisLimiter(redis, limits),
  config.RATE_LIMIT_FAIL_MODE === 'open' ? new LocalLimiter(limits) : null,
);
// Ready only once Redis is: a restarted instance must not serve from a fresh local budget (R14).
await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
const app = createApp({ limiter, limits, apiKeys: config.API_KEYS, trustProxy: config.TRUST_PROXY });
const server = app.listen(config.PORT, () => {
  console.log(`rate-limiter listening on ${config.PORT}`);
});
server.keepAliveTimeout = 65_000;

function shutdown(): void {
  server.close();
  server.closeIdleConnections();
  redis.disconnect();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
