import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';
import { apiKeys } from './test/steps/keys.ts';

/** Limits too large to reach: the load test measures allowed requests, not refusals. */
const UNREACHABLE = '1000000';

export default defineGrader({
  slug: 'rate-limiter',
  title: 'Distributed rate limiter',
  rubric,
  // A failure quotes the limiter's headers (README R8, R9) beside the status.
  shownHeaders: [
    'x-ratelimit-limit',
    'x-ratelimit-remaining',
    'x-ratelimit-reset',
    'ratelimit',
    'ratelimit-policy',
  ],
  // README rules that state a number: the bound a boundary mutant misses just past it.
  bounds: {
    R4: 'never 2 × RATE_LIMIT in any rolling window',
    R12: 'every answer within 1 s while Redis is away',
    R13: 'on the shared Redis budget again within 2 s',
    R16: {
      exempt:
        'a ratio scale scored linearly between its ends, with no edge to miss just past: window-counted-by-reading loses points on it',
    },
  },
  services: ['redis'],
  instances: 3,
  // Small limits so tests take seconds, varied per run so none can be hard-coded. The window stays
  // 2 s: long enough for the timing margins of a loaded machine, short enough to wait out.
  env: ({ seed }) => ({
    RATE_LIMIT: String(4 + (seed % 3)),
    RATE_LIMIT_WINDOW_MS: '2000',
    BUCKET_CAPACITY: String(4 + ((seed >> 2) % 2)),
    BUCKET_REFILL_PER_SEC: '1',
    API_KEYS: apiKeys(seed).join(','),
  }),
  // a fails open (the default, stated), b fails closed, c sits behind one proxy hop with limits
  // nobody reaches, for the load test and the X-Forwarded-For items. c keeps the README's default
  // 60 s window, so the load test's log holds every request it sent: work that grows with the
  // window then shows at any machine speed, where a 2 s window held too few to tell.
  instanceEnv: ({ index }) =>
    (
      [
        { RATE_LIMIT_FAIL_MODE: 'open' },
        { RATE_LIMIT_FAIL_MODE: 'closed' },
        {
          TRUST_PROXY: '1',
          RATE_LIMIT: UNREACHABLE,
          RATE_LIMIT_WINDOW_MS: '60000',
          BUCKET_CAPACITY: UNREACHABLE,
          BUCKET_REFILL_PER_SEC: UNREACHABLE,
        },
      ] as Record<string, string>[]
    )[index] ?? {},
  timeouts: { healthy: 30_000, tests: 60_000 },
  limits: { memoryMb: 512, pids: 256 },
  // A submission in Go or Python is measured against the same work in its language: the design
  // is graded, not the language.
  baselines: {
    plain: {
      node: fileURLToPath(new URL('./baselines/plain.ts', import.meta.url)),
      go: fileURLToPath(new URL('./baselines/plain-go', import.meta.url)),
      python: fileURLToPath(new URL('./baselines/plain-python', import.meta.url)),
    },
  },
});
