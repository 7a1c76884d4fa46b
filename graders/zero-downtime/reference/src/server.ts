import pg from 'pg';
import { accountsV1, accountsV2 } from './accounts.js';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { steps } from './steps.js';

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
// An idle connection the database drops must not crash the process: the pool replaces it.
pool.on('error', () => {});

if (config.MIGRATION_STEP) {
  // A job, not a service (README R4): run the step, say what it did, exit 0 when done.
  const step = config.MIGRATION_STEP;
  const result = await steps[step](pool).catch((e: Error) => ({
    ok: false,
    said: `${step}: failed: ${e.message}`,
  }));
  console.log(result.said);
  await pool.end();
  process.exit(result.ok ? 0 : 1);
}

const accounts = config.APP_VERSION === '2' ? accountsV2(pool) : accountsV1(pool);
const server = createApp({ accounts }).listen(config.PORT, () => {
  console.log(`zero-downtime v${config.APP_VERSION} listening on ${config.PORT}`);
});
server.keepAliveTimeout = 65_000;

async function shutdown(): Promise<void> {
  // Requests in flight are answered; keep-alive connections close once idle (README: SIGTERM).
  server.close();
  server.closeIdleConnections();
  await new Promise((r) => server.on('close', r));
  await pool.end();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
