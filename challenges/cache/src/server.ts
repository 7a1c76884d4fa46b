import { Redis } from 'ioredis';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const redis = new Redis(config.REDIS_URL);
redis.on('error', (err) => console.error('redis:', err.message));

const app = createApp({ redis, config });
const server = app.listen(config.PORT, () => {
  console.log(`cache listening on ${config.PORT}`);
});

function shutdown(): void {
  server.close();
  server.closeIdleConnections();
  redis.disconnect();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
