import { defineGrader, visibleTestsRubric } from '@bc/harness/kit';

/** A one-item grader whose only test runs the starter's visible tests against the submission. */
export default defineGrader({
  slug: 'url-shortener-visible',
  title: 'URL shortener visible tests',
  rubric: visibleTestsRubric,
  services: ['postgres', 'redis'],
  instances: 1,
  env: ({ seed }) => ({ BASE_URL: `https://v${seed}.sho.rt` }),
});
