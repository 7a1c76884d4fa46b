import { defineRubric } from '@bc/harness/kit';

/**
 * The rate limiter rubric: stable slugs (results are keyed by them), 100 points in all. `rules`
 * are the README rules (R1…) each item grades; the self-test checks they cover each other.
 */
export const rubric = defineRubric([
  // correctness — 36
  {
    slug: 'window-exact-limit',
    title:
      'when a client sends RATE_LIMIT requests in a window, then each passes with its id, the next is 429, and after the window it passes again',
    points: 6,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Count allowed requests per client over the last RATE_LIMIT_WINDOW_MS; request N+1 inside it is 429; answer 200 {"ok": true, "client": "key:<key>"} otherwise.',
    rules: ['R4', 'R7'],
  },
  {
    slug: 'rate-limit-headers',
    title:
      'when either route answers 200 or 429, then X-RateLimit-Limit, -Remaining, -Reset and the IETF RateLimit and RateLimit-Policy fields state the budget',
    points: 6,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Remaining counts down to 0 at the limit; Reset is whole seconds until the budget is fully back (not a timestamp); RateLimit-Policy: "window";q=<limit>;w=<seconds>, RateLimit: "window";r=<remaining>;t=<reset>.',
    rules: ['R8', 'R9'],
  },
  {
    slug: 'sliding-not-fixed',
    title:
      'when bursts straddle a window boundary or part of a window expires, then only what a rolling window allows passes',
    points: 6,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Fixed slots (INCR on floor(now / window)) let 2× the limit through around a slot boundary. Keep the timestamps of allowed requests (a sorted set) and count those newer than now − window.',
    rules: ['R4'],
  },
  {
    slug: 'retry-after-honest',
    title:
      'when a client is limited, then Retry-After is whole seconds ≥ 1, a retry that early passes and an earlier one does not',
    points: 6,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Retry-After is the time until the oldest counted request leaves the window (or until a token is back), rounded up, never down; refused requests use no budget.',
    rules: ['R10', 'R4'],
  },
  {
    slug: 'bucket-burst-and-refill',
    title:
      'when a client empties its bucket, then exactly BUCKET_CAPACITY passed and tokens come back at BUCKET_REFILL_PER_SEC',
    points: 6,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'A full bucket allows a burst of the capacity; afterwards refill continuously: tokens = min(capacity, tokens + elapsed × rate).',
    rules: ['R5'],
  },
  {
    slug: 'bucket-never-above-capacity',
    title:
      'when a client stays away long enough to overfill its bucket, then a burst still gets only BUCKET_CAPACITY',
    points: 4,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Cap the refill: min(capacity, tokens + elapsed × rate), however long the client was idle.',
    rules: ['R5'],
  },
  {
    slug: 'policies-separate',
    title: 'when one route has used up a budget, then the other route still has its whole own budget',
    points: 2,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Keep one key per policy and client.',
    rules: ['R6'],
  },
  // robustness — 8
  {
    slug: 'error-json',
    title:
      'when a request is refused (401, 429) or its route is unknown (404), then the body is the error JSON',
    points: 4,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'Every error is {"error": {"code", "message"}} with content-type application/json, including the 429 of the limiter.',
    rules: ['R15'],
  },
  {
    slug: 'forwarded-for-edge-cases',
    title:
      'when behind a trusted proxy X-Forwarded-For is missing, padded with spaces or longer than the trusted hops, then the client is still the right address',
    points: 4,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'No header → the connecting address; trim each entry; take the TRUST_PROXY-th from the right. Never a 500.',
    rules: ['R3'],
  },
  // security — 16
  {
    slug: 'unknown-key-401',
    title:
      "when an unknown API key is sent, then 401, and neither the key nor the sender's address uses any budget",
    points: 4,
    category: 'security',
    visibility: 'visible',
    hint: 'An X-API-Key outside API_KEYS is refused with 401 before the limiter; it is not "no key".',
    rules: ['R2'],
  },
  {
    slug: 'key-one-budget',
    title:
      'when one key is used from several addresses, then they share one budget, and another key keeps its own',
    points: 4,
    category: 'security',
    visibility: 'hidden',
    hint: 'With a valid key the client is the key alone, whatever address it comes from.',
    rules: ['R1'],
  },
  {
    slug: 'forwarded-for-ignored',
    title:
      'when TRUST_PROXY is 0 and every request forges a new X-Forwarded-For, then the address keeps one budget',
    points: 5,
    category: 'security',
    visibility: 'hidden',
    hint: 'Without trusted proxies X-Forwarded-For is whatever the client wrote: use the connecting address.',
    rules: ['R3'],
  },
  {
    slug: 'forwarded-for-trusted-hop',
    title:
      'when TRUST_PROXY is 1, then the client is the rightmost X-Forwarded-For address, not a forged one left of it',
    points: 3,
    category: 'security',
    visibility: 'hidden',
    hint: 'The last proxy appends the address it saw; everything left of it may be forged.',
    rules: ['R3'],
  },
  // concurrency — 16
  {
    slug: 'shared-across-instances',
    title:
      "when one client's requests alternate between instances, then together they get exactly one budget",
    points: 8,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Keep the budget in Redis, not in process memory.',
    rules: ['R11'],
  },
  {
    slug: 'atomic-under-concurrency',
    title: 'when five times the limit arrive at once over two instances, then exactly the limit passes',
    points: 8,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Read-then-write (ZCARD, then ZADD; GET, then SET) races. Decide in one atomic step: a Lua script.',
    rules: ['R11'],
  },
  // resilience — 16
  {
    slug: 'fail-open-local-limit',
    title:
      'when Redis is reset or hangs and the instance fails open, then it keeps limiting on its own, each answer within 1 s',
    points: 5,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Bound every Redis call (a command timeout), and fall back to an in-memory limiter of the same policy, not to no limit.',
    rules: ['R12'],
  },
  {
    slug: 'fail-closed-503',
    title:
      'when Redis is reset or hangs and the instance fails closed, then 503 with Retry-After: 1 within 1 s',
    points: 4,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'A hanging Redis must not hang requests: time out, then answer 503 with Retry-After: 1.',
    rules: ['R12'],
  },
  {
    slug: 'redis-recovery',
    title:
      'when Redis comes back after a reset or a hang, then within 2 s the instances share one budget again',
    points: 4,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Reconnect on your own (keep retrying), and stop using the local limiter as soon as Redis answers.',
    rules: ['R13'],
  },
  {
    slug: 'restart-keeps-budget',
    title: 'when an instance is killed and restarted, then a client it served keeps its used-up budget',
    points: 3,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Budgets live in Redis; nothing at start-up may reset them.',
    rules: ['R14'],
  },
  // performance — 8
  {
    slug: 'limiter-throughput',
    title:
      'when allowed requests are load-tested, then throughput is close to the same route without a limiter',
    points: 4,
    category: 'performance',
    visibility: 'hidden',
    hint: 'One round trip per request: EVALSHA of one script, on a shared connection.',
    rules: ['R16'],
  },
  {
    slug: 'limiter-p99',
    title:
      'when allowed requests are load-tested, then p99 latency is close to the same route without a limiter',
    points: 4,
    category: 'performance',
    visibility: 'hidden',
    hint: 'No per-request connections, no several sequential Redis calls, nothing that grows with the window.',
    rules: ['R16'],
  },
]);
