import pg from 'pg';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { migrate } from './migrate.js';
import { tunedShop } from './shop.js';

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 20 });
// An idle connection the database drops must not crash the process: the pool replaces it.
pool.on('error', () => {});
await migrate(pool);
const app = createApp({ shop: tunedShop(pool) });
const server = app.listen(config.PORT, () => {
  console.log(`query-tuning listening on ${config.PORT}`);
});
server.keepAliveTimeout = 65_000;

async function shutdown(): Promise<void> {
  server.close();
  server.closeIdleConnections();
  await pool.end();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
