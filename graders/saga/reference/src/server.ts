import pg from 'pg';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { migrate } from './db.js';
import { Downstream } from './downstream.js';
import { SagaWorker } from './worker.js';

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 20 });
// An idle connection the database drops must not crash the process: the pool replaces it.
pool.on('error', () => {});
await migrate(pool);
const worker = new SagaWorker(pool, new Downstream(config));
worker.start();
const app = createApp({ pool, kick: () => worker.kick() });
const server = app.listen(config.PORT, () => {
  console.log(`saga listening on ${config.PORT}`);
});
server.keepAliveTimeout = 65_000;

// Sagas in flight keep their lease until it expires: the other instance, or this one restarted,
// picks them up with the same keys.
async function shutdown(): Promise<void> {
  worker.stop();
  server.close();
  server.closeIdleConnections();
  await pool.end().catch(() => {});
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
