import { defineRubric } from '@bc/harness/kit';

/**
 * The paginated API rubric: stable slugs (results are keyed by them), 100 points in all. `rules`
 * are the README rules (R1…) each item grades; the self-test checks they cover each other.
 */
export const rubric = defineRubric([
  // correctness — 40
  {
    slug: 'list-first-page',
    title:
      'when the products are listed without parameters, then 20 items of the documented shape come newest first, with a page object',
    points: 5,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Default sort created_at, order desc, ties by id desc, limit 20; items {id, name, category, priceCents, createdAt, updatedAt}; page {nextCursor, hasMore}.',
    rules: ['R1', 'R2'],
  },
  {
    slug: 'walk-every-sort',
    title:
      'when every page of each sort and order is walked, with page sizes that split runs of ties, then every row comes exactly once, in order',
    points: 10,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Keyset pagination on (sort key, id): WHERE (key, id) < (last key, last id) ORDER BY key DESC, id DESC. Without id, rows at a tie are lost or repeated; names sort byte-wise (COLLATE "C").',
    rules: ['R2', 'R4', 'R6'],
  },
  {
    slug: 'limit-rules',
    title: 'when limit is outside 1–100 or not an integer, then 400, and within it the page holds that many',
    points: 4,
    category: 'correctness',
    visibility: 'visible',
    hint: 'limit: an integer from 1 to 100, default 20; anything else is 400.',
    rules: ['R3'],
  },
  {
    slug: 'category-filter',
    title:
      'when a category is given, then only its rows come back, and an unknown one gives an empty last page',
    points: 4,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Exact, case-sensitive match; an unknown category is a valid empty result: hasMore false, nextCursor null.',
    rules: ['R8'],
  },
  {
    slug: 'fields-selection',
    title: 'when fields are listed, then only those (and id) come back, and an unknown or empty field is 400',
    points: 4,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Validate every entry against the item fields; always include id.',
    rules: ['R9'],
  },
  {
    slug: 'get-by-id',
    title:
      'when one product is fetched by id, then it is the item, an unknown id is 404 and a malformed one 400 or 404',
    points: 3,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'GET /api/v1/products/:id answers the item; check the id is a positive integer before querying.',
    rules: ['R10'],
  },
  {
    slug: 'etag-304',
    title:
      'when If-None-Match names the ETag (strong, weak, in a list or *), then 304 without a body, and after a row changes the old tag gets 200',
    points: 6,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Hash the body into a strong ETag; compare If-None-Match entries with W/ stripped; * matches anything.',
    rules: ['R11'],
  },
  {
    slug: 'gzip-vary',
    title:
      'when gzip is accepted, then bodies over 1 KB are gzip-encoded, and Vary: Accept-Encoding is always there',
    points: 4,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Content-Encoding: gzip for large bodies when Accept-Encoding allows it; Vary: Accept-Encoding on every response of the products routes.',
    rules: ['R12'],
  },
  // robustness — 12
  {
    slug: 'cursor-rejected',
    title:
      'when a cursor is malformed, altered or used with another sort, order or category, then 400 with the error JSON',
    points: 6,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'Sign the cursor (HMAC) and put the sort, order and category in it; check all of them before querying.',
    rules: ['R5'],
  },
  {
    slug: 'odd-input-no-500',
    title:
      'when sort, order, fields, category or limit look like SQL or are huge, then never a 500 or a database error: a 400 with the error JSON, or an empty page for a category',
    points: 6,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'Map sort and order through an allowlist; pass values as parameters; validate before querying.',
    rules: ['R14'],
  },
  // security — 8
  {
    slug: 'hidden-column-never',
    title: 'when any route, field list or error is read, then internal_cost_cents never appears',
    points: 8,
    category: 'security',
    visibility: 'hidden',
    hint: 'Select the item columns by name (never *), and refuse internalCostCents in fields.',
    rules: ['R13'],
  },
  // concurrency — 14
  {
    slug: 'stable-under-changes',
    title:
      'when rows are inserted and deleted between page fetches, then rows that existed throughout come exactly once',
    points: 8,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'OFFSET shifts when rows before the page come or go; a keyset cursor does not.',
    rules: ['R7'],
  },
  {
    slug: 'cursors-across-instances',
    title: 'when pages are fetched alternately from two instances, then each accepts the other’s cursors',
    points: 6,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'A cursor must not depend on one process: sign it with a secret every instance shares.',
    rules: ['R15'],
  },
  // resilience — 6
  {
    slug: 'db-reconnect',
    title: 'when the database connections drop and come back, then within 2 s the service answers again',
    points: 6,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Use a pool (it replaces broken connections) rather than one long-lived client, and never crash on a connection error.',
    rules: ['R17'],
  },
  // performance — 20
  {
    slug: 'deep-page-p50',
    title:
      'when a page 150,000 rows deep is load-tested, then its median latency stays close to the first page’s',
    points: 7,
    category: 'performance',
    visibility: 'hidden',
    hint: 'OFFSET reads and throws away every row before the page; a keyset condition on an index jumps straight to it.',
    rules: ['R16'],
  },
  {
    slug: 'deep-page-p99',
    title:
      'when a page 150,000 rows deep is load-tested, then its p99 latency stays close to the first page’s',
    points: 7,
    category: 'performance',
    visibility: 'hidden',
    hint: 'A fitting index on (created_at, id) serves both pages from the index.',
    rules: ['R16'],
  },
  {
    slug: 'first-page-throughput',
    title: 'when the first page is load-tested, then throughput is close to a bare primary-key lookup',
    points: 6,
    category: 'performance',
    visibility: 'hidden',
    hint: 'An index per sort order, so the first page is an index scan of limit + 1 rows, not a sort of the table.',
    rules: ['R16'],
  },
]);
