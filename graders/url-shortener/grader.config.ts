import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';

export default defineGrader({
  slug: 'url-shortener',
  title: 'URL shortener',
  rubric,
  // README rules that state a number: the bound a boundary mutant misses just past it.
  bounds: {
    R1: 'URLs of at most 2,048 characters',
    R4: 'aliases of 3–32 characters',
    R10: 'stats show every click within 2 s',
    R12: 'every answer within 1.5 s while Redis is away',
    R13: 'using Redis again within 2 s of its return',
    R15: 'bodies up to 8 KB accepted, over 64 KB refused with 413',
    R19: 'clicks answered more than 2 s before a crash are kept',
    R20: {
      exempt:
        'a ratio scale scored linearly between its ends, with no edge to miss just past: unindexed-uncached-redirect loses points on it',
    },
  },
  services: ['postgres', 'redis'],
  instances: 2,
  // A per-run host, so hard-coding the base URL or the loop check cannot pass.
  env: ({ seed }) => ({ BASE_URL: `https://s${(seed % 46656).toString(36)}.sho.rt` }),
  timeouts: { healthy: 30_000, tests: 60_000 },
  limits: { memoryMb: 512, pids: 256 },
  // A submission in Go or Python is measured against the same work in its language: the design
  // is graded, not the language.
  baselines: {
    redirect: {
      node: fileURLToPath(new URL('./baselines/redirect.ts', import.meta.url)),
      go: fileURLToPath(new URL('./baselines/redirect-go', import.meta.url)),
      python: fileURLToPath(new URL('./baselines/redirect-python', import.meta.url)),
    },
  },
});
