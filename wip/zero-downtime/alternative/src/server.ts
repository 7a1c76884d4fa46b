import pg from 'pg';
import { accountsV1, accountsV2 } from './accounts.js';
import { createApp } from './app.js';
import { readConfig } from './config.js';
import { steps } from './steps.js';

const config = readConfig();
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 8 });
// The database may drop an idle connection; the pool opens another when one is needed.
pool.on('error', (e) => console.warn(`idle connection lost: ${e.message}`));

if (config.step) {
  // README R4: one step, what it did on stdout, and its exit code as the verdict.
  const result = await steps[config.step](pool).catch((e: Error) => ({
    ok: false,
    said: `${config.step}: ${e.message}`,
  }));
  (result.ok ? console.log : console.error)(result.said);
  await pool.end();
  process.exit(result.ok ? 0 : 1);
}

const server = createApp({ accounts: config.version === 2 ? accountsV2(pool) : accountsV1(pool) });
server.listen(config.port, () => console.log(`accounts v${config.version} on :${config.port}`));

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  // No new connections; the requests under way finish, then the pool closes (README: SIGTERM).
  server.close(() => void pool.end().then(() => process.exit(0)));
  server.closeIdleConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
