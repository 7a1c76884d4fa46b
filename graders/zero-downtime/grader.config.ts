import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';
import { seedAccounts, seededRowsOf } from './test/steps/data.ts';

export default defineGrader({
  slug: 'zero-downtime',
  title: 'Split a column of a busy table with no request lost',
  rubric,
  bounds: {
    R2: 'first_name 1 to 50 characters, last_name 0 to 50, email 3 to 254',
    R5: 'no lock wait longer than 200 ms',
    R6: 'at most 1,000 rows per transaction',
    R7: "contract's checks: first_name 1 to 50 characters, last_name at most 50",
    R9: {
      exempt:
        'a request is lost to a lock held for seconds, a process killed, or a 5xx: no realistic bug answers just past 2 s',
    },
    R10: {
      exempt:
        'ratios of the same traffic during a step and in the calm seconds either side of it (2 s and 3 s are the windows the grader measures over, not a bound on the candidate): a blocking step drops the rate to nearly nothing, no realistic bug lands just past half',
    },
  },
  services: ['postgres'],
  probe: '/healthz',
  instances: 2,
  // Every instance starts as version 1 (README R3); the migration test deploys version 2.
  env: () => ({ APP_VERSION: '1' }),
  // The table exists and is full before the candidate's code first runs (README "The data").
  prepare: async ({ seed, small, services }) => {
    await seedAccounts(services.postgres!, seed, seededRowsOf(small));
    return {};
  },
  timeouts: { healthy: 30_000, tests: 600_000 },
  limits: { memoryMb: 512, pids: 256 },
});
