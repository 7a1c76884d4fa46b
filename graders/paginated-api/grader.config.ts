import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';
import { seedProducts } from './test/steps/data.ts';

export default defineGrader({
  slug: 'paginated-api',
  title: 'Paginated API over a large table',
  rubric,
  // README rules that state a number: the bound a boundary mutant misses just past it.
  bounds: {
    R3: 'limit an integer from 1 to 100',
    R6: 'sort keys kept to the microsecond (rows microseconds apart in one millisecond)',
    R12: 'bodies over 1 KB gzip-encoded',
    R16: {
      exempt:
        'a ratio scale scored linearly between its ends, with no edge to miss just past: offset-pagination and no-indexes lose points on it',
    },
    R17: 'answering normally within 2 s of the database coming back',
  },
  services: ['postgres'],
  // Touches the database: an instance that still fails it after a file is restarted.
  probe: '/api/v1/products?limit=1',
  instances: 2,
  // The table exists and is full before the candidate's code first runs (README: "The table").
  prepare: async ({ seed, services }) => seedProducts(services.postgres!, seed),
  timeouts: { healthy: 60_000, tests: 120_000 },
  limits: { memoryMb: 512, pids: 256 },
  baselines: { lookup: fileURLToPath(new URL('./baselines/lookup.ts', import.meta.url)) },
});
