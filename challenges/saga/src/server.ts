import pg from 'pg';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { migrate } from './db.js';

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.DATABASE_URL });
pool.on('error', (err) => console.error('postgres:', err.message));

await migrate(pool);
const app = createApp({ pool, config });
const server = app.listen(config.PORT, () => {
  console.log(`saga listening on ${config.PORT}`);
});

async function shutdown(): Promise<void> {
  server.close();
  server.closeIdleConnections();
  await pool.end();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
