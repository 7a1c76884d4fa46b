import { defineGrader, visibleTestsRubric } from '@bc/harness/kit';

/** A one-item grader whose only test runs the starter's visible tests against the submission. */
export default defineGrader({
  slug: 'rate-limiter-visible',
  title: 'Rate limiter visible tests',
  rubric: visibleTestsRubric,
  services: ['redis'],
  instances: 1,
  env: ({ seed }) => ({
    RATE_LIMIT: String(3 + (seed % 4)),
    RATE_LIMIT_WINDOW_MS: '2000',
    BUCKET_CAPACITY: String(2 + (seed % 3)),
    BUCKET_REFILL_PER_SEC: '1',
    API_KEYS: `visible-${seed}-a,visible-${seed}-b`,
  }),
});
