import pg from 'pg';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { migrate } from './db.js';

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.DATABASE_URL });

await migrate(pool);
const app = createApp({ pool });
const server = app.listen(config.PORT, () => {
  console.log(`paginated-api listening on ${config.PORT}`);
});

async function shutdown(): Promise<void> {
  server.close();
  server.closeIdleConnections();
  await pool.end();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
