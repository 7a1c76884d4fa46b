import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

export default defineGrader({
  slug: 'jwt-auth',
  title: 'JWT authentication and authorization',
  rubric,
  // README rules that state a number: the bound a boundary mutant misses just past it.
  bounds: {
    R2: 'email 3–254 characters, password 8 to 128 characters',
    R5: 'an email locked after 5 failed logins within 60 s; Retry-After 1 to 60',
    R7: 'a clock tolerance of at most 1 s',
    R10: 'a refresh token lives REFRESH_TOKEN_TTL_SECONDS from its own issue (1 s tolerance)',
    R12: 'bcrypt cost ≥ 10; scrypt ln ≥ 14 and r ≥ 8; argon2 m ≥ 19456 and t ≥ 2',
    R13: '503 within 1 s while Redis is away; normal again within 2 s',
    R15: {
      exempt:
        'a ratio scale scored linearly between its ends, with no edge to miss just past: string-secret loses points on it',
    },
  },
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
