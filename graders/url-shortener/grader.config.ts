import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';

export default defineGrader({
  slug: 'url-shortener',
  title: 'URL shortener',
  rubric,
  services: ['postgres', 'redis'],
  instances: 2,
  // A per-run host, so hard-coding the base URL or the loop check cannot pass.
  env: ({ seed }) => ({ BASE_URL: `https://s${(seed % 46656).toString(36)}.sho.rt` }),
  timeouts: { healthy: 30_000, tests: 60_000 },
  limits: { memoryMb: 512, pids: 256 },
  baselines: { redirect: fileURLToPath(new URL('./baselines/redirect.ts', import.meta.url)) },
});
