import { defineRubric } from '@bc/harness/kit';

/**
 * The zero-downtime rubric: stable slugs, 100 points. The API items run on version 1 before
 * anything changes; the migration items judge one run of the README's order
 * (test/migration.test.ts), traffic flowing throughout.
 */
export const rubric = defineRubric([
  // correctness — 19
  {
    slug: 'accounts-v1',
    title:
      'when accounts are created, read and changed on version 1, then each answer is the account as last written, on either instance',
    points: 3,
    category: 'correctness',
    visibility: 'visible',
    hint: 'name joins first_name and last_name with one space, or is first_name alone when last_name is empty.',
    rules: ['R1', 'R2'],
  },
  {
    slug: 'reads-during-migration',
    title:
      'when the migration runs under traffic, then every read on either version answers the account as last written',
    points: 8,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Version 2 must read rows the backfill has not reached yet; version 1 rows written after expand.',
    rules: ['R1', 'R3'],
  },
  {
    slug: 'writes-kept',
    title:
      'when the migration is done, then every write acknowledged during it reads back in the new shape, and every row holds the names split from its name',
    points: 3,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Rows version 1 writes or changes during the backfill need their new columns too.',
    rules: ['R1', 'R6'],
  },
  {
    slug: 'final-shape',
    title:
      "when contract is done, then first_name and last_name are NOT NULL, last_name defaults to '', both are checked, and name is gone",
    points: 5,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Read R7: the columns, the default, the checks, and no name column.',
    rules: ['R7'],
  },
  // robustness — 4
  {
    slug: 'inputs-refused',
    title:
      'when a name, an email or an id is out of its range, then 400 with the error JSON, and nothing is stored',
    points: 4,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'first_name 1 to 50 characters of letters, apostrophes and hyphens with single spaces; last_name 0 to 50 without spaces.',
    rules: ['R2'],
  },
  // security — 3
  {
    slug: 'names-are-values',
    title:
      "when names and emails hold quotes and SQL, then they are stored and answered as written (O'Brien stays O'Brien)",
    points: 3,
    category: 'security',
    visibility: 'hidden',
    hint: 'Parameters, never SQL built from strings: an apostrophe is a legal name character.',
    rules: ['R2'],
  },
  // concurrency — 2
  {
    slug: 'email-once',
    title:
      'when one email is taken on both instances at once, then exactly one 201 and one 409, and one account holds it',
    points: 2,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'A unique constraint decides; map its violation to 409.',
    rules: ['R1'],
  },
  // resilience — 26
  {
    slug: 'steps-twice',
    title:
      'when a step is run a second time right after, then it exits 0 and changes neither the table nor a row',
    points: 6,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Check what is already done before doing it: IF NOT EXISTS, the catalogs, rows still to fill.',
    rules: ['R4'],
  },
  {
    slug: 'contract-refuses-early',
    title:
      'when contract runs before the backfill, then it exits non-zero saying how many rows are left, and changes nothing',
    points: 5,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Count the rows without their new names first; refuse while there are any.',
    rules: ['R7'],
  },
  {
    slug: 'backfill-resumes',
    title:
      'when the backfill is killed mid-run and run again, then it finishes and every row holds its names',
    points: 7,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Each batch its own transaction; a rerun starts from the rows still empty, not from a saved position it may not have saved.',
    rules: ['R6'],
  },
  {
    slug: 'rollback',
    title:
      'when the instances are deployed back to version 1 after the backfill, then every account reads as last written, those version 2 wrote included',
    points: 8,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Until contract, version 2 must keep name up to date too.',
    rules: ['R8'],
  },
  // performance — 46
  {
    slug: 'no-lock-waits',
    title:
      'when the steps run under traffic, then no statement of the service waits longer than 200 ms for a lock, and none reads the table under a lock that blocks writes',
    points: 14,
    category: 'performance',
    visibility: 'hidden',
    hint: 'lock_timeout in every step, and retry; NOT VALID then VALIDATE; nullable columns without a volatile default.',
    rules: ['R5', 'R7'],
  },
  {
    slug: 'backfill-batches',
    title: 'when the backfill runs, then no transaction changes more than 1,000 rows',
    points: 8,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Commit every batch; one UPDATE of the whole table is one transaction.',
    rules: ['R6'],
  },
  {
    slug: 'no-request-lost',
    title:
      'when the steps and deploys run, then every request gets its answer within 2 s: no 5xx, no reset, no timeout',
    points: 14,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Answer the requests in flight on SIGTERM; never let a request wait behind a step.',
    rules: ['R9'],
  },
  {
    slug: 'throughput',
    title:
      'when each step runs, then the traffic keeps at least half its request rate and a p99 at most 5× (or 100 ms above) its p99 in the calm seconds either side of the step',
    points: 10,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Small batches with room between them; no table rewrite.',
    rules: ['R10'],
  },
]);
