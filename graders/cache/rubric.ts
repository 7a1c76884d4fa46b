import { defineRubric } from '@bc/harness/kit';

/**
 * The cache rubric: stable slugs (results are keyed by them), 100 points in all. `rules` are the
 * README rules (R1…) each item grades.
 */
export const rubric = defineRubric([
  {
    slug: 'product-as-origin',
    title:
      'when a product is read, then it is the origin’s product with an ETag that follows its version and a public max-age no longer than CACHE_TTL_MS',
    points: 6,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Answer the origin’s JSON as it came; ETag from the id and version; Cache-Control: public, max-age=ceil(CACHE_TTL_MS / 1000) at most.',
    rules: ['R1'],
  },
  {
    slug: 'etag-304',
    title:
      'when If-None-Match holds the current ETag, then 304 with that ETag and no body; after a write, the old ETag gets the new version',
    points: 4,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Compare If-None-Match with the ETag of the copy you would serve; a new version means a new ETag.',
    rules: ['R1'],
  },
  {
    slug: 'fresh-served-from-cache',
    title:
      'when a fresh copy exists, then reads on every instance make no origin call until CACHE_TTL_MS has passed',
    points: 6,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Keep the copy in Redis with the time it was fetched; every instance reads it there.',
    rules: ['R2'],
  },
  {
    slug: 'stale-while-revalidate',
    title:
      'when a copy is past CACHE_TTL_MS but within STALE_TTL_MS more, then it is served at once, marked STALE with its Age, while exactly one refresh reaches the origin',
    points: 8,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Serve the stale copy without waiting; let one instance (a lease in Redis) refresh it in the background.',
    rules: ['R4'],
  },
  {
    slug: 'stale-bound',
    title:
      'when a copy is older than CACHE_TTL_MS + STALE_TTL_MS, then it is never served: the request waits for the origin',
    points: 3,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Expire the key when it can no longer be served, or check its age before serving it stale.',
    rules: ['R4'],
  },
  {
    slug: 'batch-fetches-misses',
    title:
      'when a batch is read, then the products come in the order asked with the unknown ids listed, from one origin call for only the ids not cached, and none when all are',
    points: 3,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'MGET the ids; ask the origin once for the rest with ?ids=; cache what it answers like single reads.',
    rules: ['R6'],
  },
  {
    slug: 'bad-input-400',
    title:
      'when a product id, a batch or a write body is malformed, then 400 with the error JSON and no origin call',
    points: 3,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'Validate ids (1–64 of A-Z a-z 0-9 _ -), batches (1–50 distinct ids) and bodies before anything else.',
    rules: ['R5', 'R6', 'R14'],
  },
  {
    slug: 'unknown-remembered',
    title:
      'when an id is unknown to the origin, then 404 on every instance from one origin call per NEGATIVE_TTL_MS, and a product created later is served once it has passed',
    points: 3,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'Cache the 404 too, with its own short TTL.',
    rules: ['R7'],
  },
  {
    slug: 'error-json',
    title: 'when any error is answered (400, 404, 503, unknown routes), then it is the error JSON',
    points: 2,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'One error handler: {"error": {"code", "message"}} with content-type application/json.',
    rules: ['R14'],
  },
  {
    slug: 'private-not-shared',
    title:
      'when two callers read their recommendations, on any instance, then each gets only their own, marked private or no-store; without Authorization, 401',
    points: 7,
    category: 'security',
    visibility: 'hidden',
    hint: 'Key anything you cache of a caller by the whole Authorization, or do not cache it; say Cache-Control: private.',
    rules: ['R11'],
  },
  {
    slug: 'no-cache-poisoning',
    title:
      'when a client sends headers or query parameters the origin would honour (X-Preview, ?preview), then neither reaches the origin and no other client is served what they would change',
    points: 5,
    category: 'security',
    visibility: 'hidden',
    hint: 'Call the origin with the id alone: never forward the client’s headers or query string.',
    rules: ['R12'],
  },
  {
    slug: 'stampede-one-instance',
    title:
      'when 100 requests for one cold product reach one instance at once, then the origin sees one call and all 100 get it',
    points: 6,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'One flight per product in the process: later requests wait for the first one’s answer.',
    rules: ['R3'],
  },
  {
    slug: 'stampede-across-instances',
    title:
      'when 200 requests for one cold product are spread over three instances at once, then the origin sees one call in all, round after round',
    points: 8,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'A lease in Redis (SET NX PX) decides who fetches; the others wait for what it stores.',
    rules: ['R3'],
  },
  {
    slug: 'write-visible-everywhere',
    title:
      'when a product is written, then the instance that wrote serves the new version at once and the others within 200 ms',
    points: 4,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Write through to the origin, then store its answer in the shared cache before answering.',
    rules: ['R5'],
  },
  {
    slug: 'write-beats-slow-read',
    title:
      'when a read fetched a product before a write and finishes after it, then the older version is never cached again',
    points: 4,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Store a copy only if its version is not older than the cached one (a Lua script), rather than delete-then-set.',
    rules: ['R5'],
  },
  {
    slug: 'origin-down-serves-stale',
    title:
      'when the origin fails or hangs, then a copy within CACHE_TTL_MS + STALE_TTL_MS is served, marked STALE, within 1.5 s',
    points: 5,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Cut origin calls after 1 s; on failure fall back to the copy you still hold.',
    rules: ['R8'],
  },
  {
    slug: 'origin-down-503',
    title:
      'when the origin fails or hangs and no copy can be served, then 503 with the error JSON within 1.5 s',
    points: 4,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'A 1 s timeout on every origin call, and an answer for the requests waiting on it.',
    rules: ['R8'],
  },
  {
    slug: 'origin-concurrency-limit',
    title:
      'when one instance holds many requests for distinct cold products, then it never has more than ORIGIN_MAX_CONCURRENCY origin calls in flight',
    points: 4,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'A semaphore around every origin call, refreshes and batches included.',
    rules: ['R9'],
  },
  {
    slug: 'redis-down-origin-serves',
    title:
      'when Redis is refused or hangs, then products are answered from the origin within 1 s plus its time, and cached in Redis again within 2 s of its return',
    points: 5,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'A short command timeout, no offline queue, and a breaker that skips Redis for a moment after a failure.',
    rules: ['R10'],
  },
  {
    slug: 'keys-expire',
    title: 'when thousands of distinct ids are read, then every key written expires within its TTL plus 10 s',
    points: 2,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Every SET with PX: copies, unknown marks and leases alike.',
    rules: ['R13'],
  },
  {
    slug: 'hot-key-throughput',
    title:
      'when one hot product is load-tested, then its throughput is at least 0.6× that of one Redis GET, same run',
    points: 4,
    category: 'performance',
    visibility: 'hidden',
    hint: 'One Redis round trip per hit, and the stored JSON sent as it is.',
    rules: ['R15'],
  },
  {
    slug: 'hot-key-p99',
    title:
      'when one hot product is load-tested, then its p99 latency is at most 2× that of one Redis GET, same run',
    points: 4,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Nothing slow on the hit path: no origin call, no lock, no extra round trips.',
    rules: ['R15'],
  },
]);
