import { defineGrader, visibleTestsRubric } from '@bc/harness/kit';
import { seedProducts } from '../../test/steps/data.ts';

/** A one-item grader whose only test runs the starter's visible tests against the submission. */
export default defineGrader({
  slug: 'paginated-api-visible',
  title: 'Paginated API visible tests',
  rubric: visibleTestsRubric,
  services: ['postgres'],
  instances: 1,
  prepare: async ({ seed, services }) => seedProducts(services.postgres!, seed),
});
