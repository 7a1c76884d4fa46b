import { defineGrader, visibleTestsRubric } from '@bc/harness/kit';

/** A one-item grader whose only test runs the starter's visible tests against the submission. */
export default defineGrader({
  slug: 'jwt-auth-visible',
  title: 'JWT auth visible tests',
  rubric: visibleTestsRubric,
  services: ['postgres', 'redis'],
  instances: 1,
  env: ({ seed }) => ({
    JWT_SECRET: `visible-secret-${seed}-0123456789abcdef0123456789`,
    JWT_ISSUER: `https://visible-${seed}.test`,
    JWT_AUDIENCE: 'visible-api',
    ACCESS_TOKEN_TTL_SECONDS: '60',
    REFRESH_TOKEN_TTL_SECONDS: '600',
    ADMIN_EMAIL: 'admin@visible.test',
    ADMIN_PASSWORD: `admin-${seed}-password`,
  }),
});
