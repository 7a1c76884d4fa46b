import { fileURLToPath } from 'node:url';
import { defineGrader, visibleTestsRubric } from '@bc/harness/kit';

/** A one-item grader whose only test runs the starter's visible tests against the submission. */
export default defineGrader({
  slug: 'cache-visible',
  title: 'Cache visible tests',
  rubric: visibleTestsRubric,
  services: ['redis'],
  instances: 1,
  env: ({ seed }) => ({
    CACHE_TTL_MS: String(2000 + 200 * (seed % 4)),
    STALE_TTL_MS: '3000',
    NEGATIVE_TTL_MS: '1500',
    ORIGIN_MAX_CONCURRENCY: '4',
  }),
  stubs: {
    origin: { env: 'ORIGIN_URL', model: fileURLToPath(new URL('../../stubs/origin.ts', import.meta.url)) },
  },
});
