import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';

export default defineGrader({
  slug: 'cache',
  title: 'Caching layer for a high-traffic read API',
  rubric,
  // A failure quotes the cache's headers (README R1, R4) beside the status.
  shownHeaders: ['etag', 'age', 'x-cache'],
  // README rules that state a number: the bound a boundary mutant misses just past it.
  bounds: {
    R1: 'max-age at most CACHE_TTL_MS in seconds, rounded up',
    R2: 'no origin call for CACHE_TTL_MS after a fetch',
    R4: 'stale served until CACHE_TTL_MS + STALE_TTL_MS, never after',
    R5: 'the new version on every instance within 200 ms of the write',
    R6: 'batches of 1–50 ids',
    R7: 'one origin call per unknown id per NEGATIVE_TTL_MS',
    R8: 'origin calls cut after 1 s; a 503 within 1.5 s',
    R9: 'at most ORIGIN_MAX_CONCURRENCY origin calls in flight per instance',
    R10: 'answers within 1 s plus the origin’s time while Redis is away; caching again within 2 s',
    R13: 'every key expires within its TTL plus 10 s',
    R15: {
      exempt: 'a ratio scale scored linearly between its ends, with no edge to miss just past',
    },
  },
  services: ['redis'],
  instances: 3,
  // TTLs short enough to wait out in a test, long enough for a loaded machine's margins, and
  // varied per run so none can be hard-coded.
  env: ({ seed }) => ({
    CACHE_TTL_MS: String(2000 + 200 * (seed % 4)),
    STALE_TTL_MS: String(2500 + 250 * ((seed >> 2) % 3)),
    NEGATIVE_TTL_MS: String(1500 + 250 * ((seed >> 4) % 3)),
    ORIGIN_MAX_CONCURRENCY: String(3 + ((seed >> 6) % 3)),
  }),
  stubs: {
    origin: { env: 'ORIGIN_URL', model: fileURLToPath(new URL('./stubs/origin.ts', import.meta.url)) },
  },
  probe: '/healthz',
  // A submission is measured against the same work in its own language (R15); one in a language
  // without a baseline here, against Express.
  baselines: {
    plain: {
      node: fileURLToPath(new URL('./baselines/plain.ts', import.meta.url)),
      go: fileURLToPath(new URL('./baselines/plain-go', import.meta.url)),
      python: fileURLToPath(new URL('./baselines/plain-python', import.meta.url)),
    },
  },
  timeouts: { healthy: 30_000, tests: 90_000 },
  limits: { memoryMb: 512, pids: 256 },
});
