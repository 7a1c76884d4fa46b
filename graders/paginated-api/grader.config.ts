import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';
import { seedProducts } from './test/steps/data.ts';

export default defineGrader({
  slug: 'paginated-api',
  title: 'Paginated API over a large table',
  rubric,
  services: ['postgres'],
  instances: 2,
  // The table exists and is full before the candidate's code first runs (README: "The table").
  prepare: async ({ seed, services }) => seedProducts(services.postgres!, seed),
  timeouts: { healthy: 60_000, tests: 120_000 },
  limits: { memoryMb: 512, pids: 256 },
  baselines: { lookup: fileURLToPath(new URL('./baselines/lookup.ts', import.meta.url)) },
});
