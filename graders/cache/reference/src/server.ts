import { Redis } from 'ioredis';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { Origin } from './origin.js';
import { Products } from './products.js';
import { Store } from './store.js';

const config = loadConfig();
// Fail fast while Redis is away: no offline queue, a short command timeout (a hanging Redis must
// not hold requests past R10's bound) and quick reconnects (caching again soon after it returns).
const redis = new Redis(config.REDIS_URL, {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  maxRetriesPerRequest: 0,
  commandTimeout: 500,
  connectTimeout: 500,
  retryStrategy: () => 200,
});
redis.on('error', () => {
  // reconnects on its own; the store's breaker covers the gap
});

const store = new Store(redis, {
  fresh: config.CACHE_TTL_MS,
  stale: config.STALE_TTL_MS,
  negative: config.NEGATIVE_TTL_MS,
});
const origin = new Origin(config.ORIGIN_URL, config.ORIGIN_MAX_CONCURRENCY);
await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
const app = createApp({ products: new Products(store, origin), origin, freshMs: config.CACHE_TTL_MS });
const server = app.listen(config.PORT, () => {
  console.log(`cache listening on ${config.PORT}`);
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
