import { defineGrader, defineRubric } from '@bc/harness/kit';

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
  slug: 'url-shortener-visible',
  title: 'URL shortener visible tests',
  rubric,
  services: ['postgres', 'redis'],
  instances: 1,
  env: ({ seed }) => ({ BASE_URL: `https://v${seed}.sho.rt` }),
});
