import { Redis } from 'ioredis';
import pg from 'pg';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { migrate } from './db.js';

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 20 });
// Fail fast while Redis is away (no offline queue, short timeouts) so requests fall back to Postgres.
const redis = new Redis(config.REDIS_URL, {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  maxRetriesPerRequest: 0,
  commandTimeout: 250,
  connectTimeout: 500,
  retryStrategy: (times) => Math.min(50 * times, 500),
});
redis.on('error', () => {
  // reconnects on its own; the breaker in Cache covers the gap
});

await migrate(pool);
const { app, clicks } = createApp({ pool, redis, baseUrl: config.BASE_URL });
clicks.start(config.CLICK_FLUSH_MS);
const server = app.listen(config.PORT, () => {
  console.log(`url-shortener listening on ${config.PORT}`);
});
server.keepAliveTimeout = 65_000;

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  server.close();
  server.closeIdleConnections();
  await clicks.stop();
  await pool.end();
  redis.disconnect();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
