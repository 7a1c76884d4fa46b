import { defineRubric } from '@bc/harness/kit';

/**
 * The saga rubric: stable slugs (results are keyed by them), 100 points in all. `rules` are the
 * README rules (R1…) each item grades.
 */
export const rubric = defineRubric([
  {
    slug: 'happy-path',
    title:
      'when every service succeeds, then the order reserves, charges and ships once each, in order, and is COMPLETED within 2 s',
    points: 10,
    category: 'correctness',
    visibility: 'visible',
    hint: 'reserve → charge → ship, each after the previous one succeeded, each with your orderId and an Idempotency-Key.',
    rules: ['R1', 'R3', 'R4', 'R7'],
  },
  {
    slug: 'compensates-in-reverse',
    title:
      'when a step fails for good (409, 402, 422), then exactly the completed steps are undone in reverse, once each, and the order is CANCELLED',
    points: 12,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'On 409/402/422: refund the charge if there is one, then release the reservation if there is one; call nothing after the failed step.',
    rules: ['R5'],
  },
  {
    slug: 'idempotent-order',
    title:
      'when one Idempotency-Key comes again with the same body, on either instance, then the same order and one saga',
    points: 3,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Store the key under a unique index and answer the stored order for a repeat.',
    rules: ['R2'],
  },
  {
    slug: 'key-reuse-refused',
    title:
      'when an Idempotency-Key comes again with another body (a lower amount, more units, another address), then 422 and only the first order is charged',
    points: 4,
    category: 'security',
    visibility: 'hidden',
    hint: 'Keep a hash of the body with the key; a repeat whose hash differs is 422, never the old order and never a new one.',
    rules: ['R2'],
  },
  {
    slug: 'bad-input-400',
    title:
      'when an order has no Idempotency-Key, a body that is not JSON, or a missing or mistyped field, then 400; an unknown id is 404',
    points: 4,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'Validate the key and the body before anything else.',
    rules: ['R1', 'R3'],
  },
  {
    slug: 'error-json',
    title: 'when any error is answered (400, 404, 422), then it is the error JSON',
    points: 4,
    category: 'robustness',
    visibility: 'visible',
    hint: 'Every error: content-type application/json and {"error": {"code", "message"}}; unknown routes 404.',
    rules: ['R11'],
  },
  {
    slug: 'transient-retried-same-key',
    title:
      'when each step first fails transiently (503, a lost answer, a slow answer), then it is retried with the same key and happens once',
    points: 10,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Time out every call after 2 s; retry 5xx, resets and timeouts with backoff and the same Idempotency-Key (the order id and the step).',
    rules: ['R6'],
  },
  {
    slug: 'compensation-retried',
    title:
      'when a refund and a release fail transiently, then they are retried until they succeed, once each (whatever the order status says meanwhile)',
    points: 6,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Compensations are steps too: durable, retried with their own stable keys, never dropped.',
    rules: ['R6'],
  },
  {
    slug: 'final-soon-after-fault-clears',
    title:
      'when payment is down for 20 s, or for 27 s, then the order is still PENDING just before it comes back, and COMPLETED within 5 s after',
    points: 4,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Retry a forward step for at least 30 s, and cap the backoff (a second or two): a retry must come soon after the fault clears.',
    rules: ['R7', 'R6'],
  },
  {
    slug: 'crash-recovery',
    title:
      'when both instances are killed while charges are in flight, then after restart every order completes, each effect once',
    points: 12,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Write each step to Postgres before the next call and resume unfinished sagas at start-up, with the same keys.',
    rules: ['R8'],
  },
  {
    slug: 'idempotent-order-concurrent',
    title:
      'when one order is sent 8 times at once with one key over both instances, then one orderId and one saga',
    points: 5,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'A unique index on the key decides (INSERT … ON CONFLICT); a SELECT first does not.',
    rules: ['R2'],
  },
  {
    slug: 'one-run-per-saga',
    title:
      'when 16 orders are placed at once over two instances, then every step of every saga is called once',
    points: 6,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Claim a saga before running it (a lease row with FOR UPDATE SKIP LOCKED, or a conditional UPDATE).',
    rules: ['R9'],
  },
  {
    slug: 'dead-instance-work-taken-over',
    title: 'when an instance dies mid-saga and stays down, then the other finishes its orders within 10 s',
    points: 6,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Leases that expire: the other instance picks up sagas whose lease ran out.',
    rules: ['R9'],
  },
  {
    slug: 'last-unit-once',
    title:
      'when six orders race for the last unit, then exactly one completes and the others are cancelled without a charge',
    points: 6,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Let the inventory decide (409) and compensate: nothing to undo when the reservation failed.',
    rules: ['R10'],
  },
  {
    slug: 'saga-throughput',
    title:
      'when orders are placed non-stop with fast services, then sagas complete at least at 0.5× the calibration service (same run)',
    points: 4,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Start a new saga at once (no waiting for a poll), run sagas concurrently, one write per step.',
    rules: ['R12'],
  },
  {
    slug: 'saga-latency-p99',
    title:
      'when orders are placed non-stop with fast services, then the p99 time to final is at most 3× the calibration service (same run)',
    points: 4,
    category: 'performance',
    visibility: 'hidden',
    hint: 'No fixed sleeps between steps; a poll interval only for work nobody started.',
    rules: ['R12'],
  },
]);
