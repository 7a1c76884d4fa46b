import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';
import { seedShop } from './test/steps/data.ts';
import { copyForGrader } from './test/steps/oracle-db.ts';
import { startWriter } from './test/steps/start-writer.ts';

export default defineGrader({
  slug: 'query-tuning',
  title: 'Make a slow endpoint fast without changing one answer',
  rubric,
  // README rules that state a number: the bound a boundary mutant misses just past it.
  bounds: {
    R1: 'limit an integer from 1 to 50',
    R2: 'limit an integer from 1 to 100',
    R3: 'a range of 1 to 31 days; limit 1 to 100',
    R4: 'q of 1 to 50 characters; limit 1 to 100',
    R5: '1 to 20 items, each a quantity from 1 to 100',
    R6: 'at most 3 statements per request',
    R7: {
      exempt:
        'the page bounds sit between what an index reads and what a scan of a large table reads, two to ten times from each; no realistic bug lands just past them',
    },
    R8: {
      exempt: 'a ratio scale scored linearly between its ends, with no edge to miss just past',
    },
    R10: 'answering normally within 2 s of the database coming back',
    R11: {
      exempt:
        'a wait measured on a busy machine: writes beside concurrent index builds wait tens of milliseconds, and behind a blocking build on the orders table for seconds; no realistic bug holds a lock just past 0.5 s',
    },
  },
  services: ['postgres'],
  // Statements and pages per request are read from pg_stat_statements, nested ones included.
  serverSettings: {
    postgres: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' },
  },
  probe: '/healthz',
  instances: 2,
  // The shop exists and is full before the candidate's code first runs (README "The data"); the
  // grader keeps a copy of its own, out of the candidate's reach, to compute every answer from.
  prepare: async ({ seed, services, admin }) => {
    await seedShop(services.postgres!, seed);
    const url = await copyForGrader(admin.postgres!, new URL(services.postgres!).pathname.slice(1));
    return { baselineEnv: { GRADER_DATABASE_URL: url } };
  },
  // Orders written straight into the tables while the instances start and migrate (README R11).
  whileStarting: (ctx) => startWriter(ctx),
  // Building indexes on millions of rows takes a while on a loaded 2-core machine. The latency
  // measurements' set-up (a slow starter's 4 endpoints, 3 rounds each way) needs up to 4 minutes,
  // plus, beside other gradings, its waits for the machine alone (the harness adds those).
  timeouts: { healthy: 90_000, tests: 240_000 },
  limits: { memoryMb: 512, pids: 256 },
  baselines: { tuned: fileURLToPath(new URL('./baselines/tuned.ts', import.meta.url)) },
});
