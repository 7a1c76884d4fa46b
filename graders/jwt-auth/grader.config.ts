import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

export default defineGrader({
  slug: 'jwt-auth',
  title: 'JWT authentication and authorization',
  rubric,
  services: ['postgres', 'redis'],
  instances: 3,
  // Lifetimes of seconds, so expiry is waited out; secrets and names differ per run so none can
  // be hard-coded.
  env: ({ seed }) => ({
    JWT_SECRET: digest(`jwt-secret:${seed}`),
    JWT_ISSUER: `https://auth-${seed % 1000}.grader.test`,
    JWT_AUDIENCE: `api-${seed % 97}`,
    ACCESS_TOKEN_TTL_SECONDS: String(4 + (seed % 2)),
    REFRESH_TOKEN_TTL_SECONDS: String(5 + (seed % 2)),
    ADMIN_EMAIL: `root-${seed % 1000}@grader.test`,
    ADMIN_PASSWORD: `admin-${digest(`admin:${seed}`).slice(0, 16)}`,
  }),
  // c serves the load test: its tokens outlive the rounds.
  instanceEnv: ({ index }): Record<string, string> =>
    index === 2 ? { ACCESS_TOKEN_TTL_SECONDS: '600' } : {},
  timeouts: { healthy: 60_000, tests: 90_000 },
  limits: { memoryMb: 512, pids: 256 },
  baselines: { verify: fileURLToPath(new URL('./baselines/verify.ts', import.meta.url)) },
});
