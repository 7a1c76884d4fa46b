import { defineGrader, visibleTestsRubric } from '@bc/harness/kit';
import { seedShop } from '../../test/steps/data.ts';

/** A one-item grader whose only test runs the starter's visible tests against the submission. */
export default defineGrader({
  slug: 'query-tuning-visible',
  title: 'Query tuning visible tests',
  rubric: visibleTestsRubric,
  services: ['postgres'],
  instances: 1,
  prepare: async ({ seed, services }) => seedShop(services.postgres!, seed),
  timeouts: { healthy: 90_000 },
});
