import { defineGrader, visibleTestsRubric } from '@bc/harness/kit';
import { seedAccounts } from '../../test/steps/data.ts';

/** A one-item grader whose only test runs the starter's visible tests against the submission. */
export default defineGrader({
  slug: 'zero-downtime-visible',
  title: 'Zero downtime visible tests',
  rubric: visibleTestsRubric,
  services: ['postgres'],
  instances: 1,
  env: () => ({ APP_VERSION: '1' }),
  // Enough rows to read; the visible tests need no load.
  prepare: async ({ seed, services }) => seedAccounts(services.postgres!, seed, 10_000),
  timeouts: { healthy: 30_000 },
});
