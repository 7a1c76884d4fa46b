import { defineGrader, defineRubric } from '@bc/harness/kit';
import { seedProducts } from '../../test/steps/data.ts';

/** A one-item grader whose only test runs the starter's visible tests against the submission. */
export const rubric = defineRubric([
  {
    slug: 'visible-tests-pass',
    title: "when the starter's visible tests run against the submission, then they all pass",
    points: 1,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Run npm run test:visible against your service.',
  },
]);

export default defineGrader({
  slug: 'paginated-api-visible',
  title: 'Paginated API visible tests',
  rubric,
  services: ['postgres'],
  instances: 1,
  prepare: async ({ seed, services }) => seedProducts(services.postgres!, seed),
});
