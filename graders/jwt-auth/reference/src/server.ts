import { Redis } from 'ioredis';
import pg from 'pg';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { migrate } from './db.js';
import { hashPassword } from './passwords.js';
import { AccessTokens } from './tokens.js';

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 20 });
// An idle connection the database drops must not crash the process: the pool replaces it.
pool.on('error', () => {});
// Fail fast while Redis is away: no offline queue and a short command timeout (a hanging Redis
// must not hang requests), quick reconnects (back to normal soon after it returns). 800 ms still
// answers within R's 1 s, and a CPU-starved machine's slow command is not taken for an outage
// (at 400 ms a busy self-test turned one login into a 503).
const redis = new Redis(config.REDIS_URL, {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  maxRetriesPerRequest: 0,
  commandTimeout: 800,
  connectTimeout: 500,
  retryStrategy: () => 200,
});
redis.on('error', () => {
  // reconnects on its own; requests meanwhile answer 503
});

await migrate(pool, { email: config.ADMIN_EMAIL, passwordHash: await hashPassword(config.ADMIN_PASSWORD) });
// Ready only once Redis is: no token is accepted before revocations can be checked.
await new Promise<void>((resolve) => {
  if (redis.status === 'ready') resolve();
  else redis.once('ready', () => resolve());
});
const app = createApp({ pool, redis, config, tokens: new AccessTokens(config) });
const server = app.listen(config.PORT, () => {
  console.log(`jwt-auth listening on ${config.PORT}`);
});
server.keepAliveTimeout = 65_000;

async function shutdown(): Promise<void> {
  server.close();
  server.closeIdleConnections();
  redis.disconnect();
  await pool.end();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
