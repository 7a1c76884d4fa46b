import { defineRubric } from '@bc/harness/kit';

/**
 * The query-tuning rubric: stable slugs (results are keyed by them), 100 points in all. The
 * starter is correct and slow, so correctness is a small share; every performance item also
 * checks the answers of the requests it measures (README: fast and the same answers). `rules` are
 * the README rules (R1…) each item grades.
 */
export const rubric = defineRubric([
  // correctness — 7. The starter is correct and earns every point outside performance: 15 in all.
  {
    slug: 'orders-pages',
    title:
      'when a customer’s orders are paged through, then every order comes once, newest first, with its items, names and totals as the README says',
    points: 2,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Orders by created_at desc, id desc; items by line_no; totals are sums of quantity × unit price; next_cursor null on the last page.',
    rules: ['R1'],
  },
  {
    slug: 'orders-edges',
    title: 'when the customer is unknown or has no orders, then 404, or an empty last page',
    points: 1,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'An unknown customer is 404; a known one without orders is an empty page with next_cursor null.',
    rules: ['R1'],
  },
  {
    slug: 'customers-list',
    title:
      'when the customers of a country are listed, then they come in id order from after_id, each with their order count and last order time',
    points: 1,
    category: 'correctness',
    visibility: 'visible',
    hint: 'order_count counts every order, cancelled ones too; last_order_at is null without orders; next_after_id is the last id of a full page.',
    rules: ['R2'],
  },
  {
    slug: 'report-top-products',
    title:
      'when top products are asked for a range of days, then revenue of the orders not cancelled in those UTC days ranks them, ties by product id',
    points: 1,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'from and to are inclusive UTC days, at most 31 of them; revenue is quantity × unit price summed; cancelled orders do not count.',
    rules: ['R3'],
  },
  {
    slug: 'search-prefix',
    title:
      'when products are searched by a prefix, then the names starting with it, whatever their case, come in lower-cased byte order, % and _ matching themselves',
    points: 1,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Compare lower-cased names with the lower-cased prefix; escape % and _ in a LIKE pattern; order by the lower-cased name in byte order (COLLATE "C"), then id.',
    rules: ['R4'],
  },
  {
    slug: 'writes-show-at-once',
    title:
      'when an order is placed, then it is answered with its prices and totals, and every instance’s orders, customers and report include it at once',
    points: 1,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Prices come from the products table at the time of the order; anything you precompute must change in the same transaction as the order.',
    rules: ['R5'],
  },
  // robustness — 2
  {
    slug: 'inputs-refused',
    title:
      'when a limit, cursor, country, after_id, date range, q or order is outside what the README allows, then 400 with the error JSON and nothing stored',
    points: 2,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'Check every parameter before any query: limits 1 to 50 or 100, at most 31 days, q of 1 to 50 characters, 1 to 20 items of quantity 1 to 100; an unreadable cursor is 400, never 500.',
    rules: ['R1', 'R2', 'R3', 'R4', 'R5', 'R9'],
  },
  // security — 2
  {
    slug: 'inputs-are-values',
    title:
      'when q, country, after_id or a cursor hold quotes, backslashes or SQL, then they are matched as values or refused, never run',
    points: 2,
    category: 'security',
    visibility: 'hidden',
    hint: 'Pass every value as a query parameter ($1), never in the SQL text; escape \\, % and _ inside a LIKE pattern.',
    rules: ['R4', 'R9'],
  },
  // concurrency — 2
  {
    slug: 'orders-at-once',
    title:
      'when orders for the same customers and products are placed at the same moment on both instances, then each is placed once, with its own id, and every one shows',
    points: 1,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Let the database number orders (an identity column); anything you keep up to date beside them must take concurrent writers, in any order of products, without losing one or deadlocking.',
    rules: ['R5'],
  },
  {
    slug: 'writes-during-start',
    title:
      'when orders are written straight into the tables while both instances start and migrate, then no write waits longer than 0.5 s, and every instance serves them',
    points: 1,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Build indexes with CREATE INDEX CONCURRENTLY; fill a new summary table in small batches, never under a lock that blocks writes to the orders tables.',
    rules: ['R11'],
  },
  // resilience — 2
  {
    slug: 'db-reconnect',
    title: 'when the database connections drop and come back, then within 2 s the service answers again',
    points: 2,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Use a pool (it replaces broken connections), handle its error events, and never crash on a connection error.',
    rules: ['R10'],
  },
  // performance — 85: statements per request (R6)
  {
    slug: 'statements-orders',
    title:
      'when a page of 50 orders with their items is read, then it takes at most 3 SQL statements, returning at most 500 rows',
    points: 7,
    category: 'performance',
    visibility: 'hidden',
    hint: 'No query per order or per item, and no more orders than the page shows: read the page’s orders in one statement and all their items (with product names) in another.',
    rules: ['R6'],
  },
  {
    slug: 'statements-customers',
    title:
      'when a page of 100 customers with their order counts is read, then it takes at most 3 SQL statements, returning at most 500 rows',
    points: 6,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Count orders for the whole page in one statement (a join, a GROUP BY, or a LATERAL subquery), not one count per customer.',
    rules: ['R6'],
  },
  {
    slug: 'statements-report',
    title:
      'when the top-products report is read, then it takes at most 3 SQL statements, returning at most 500 rows',
    points: 5,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Aggregate in the database (GROUP BY, ORDER BY, LIMIT) and join the names there, rather than fetching every item of the range and summing in your code.',
    rules: ['R6'],
  },
  // pages read per request (R7)
  {
    slug: 'pages-orders',
    title:
      'when a page of 50 orders is read, for a customer with 10,000 orders or with a handful, then it reads no more database pages than the README allows',
    points: 7,
    category: 'performance',
    visibility: 'hidden',
    hint: 'An index that starts with customer_id and holds the sort order reads one range; without it every order in the table is read, and OFFSET reads the skipped ones.',
    rules: ['R7'],
  },
  {
    slug: 'pages-customers',
    title:
      'when a page of customers of a country is read, then it reads no more database pages than the README allows',
    points: 6,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Counting a customer’s orders needs an index on orders.customer_id; the country listing needs one on (country, id).',
    rules: ['R7'],
  },
  {
    slug: 'pages-search',
    title:
      'when products are searched by a prefix, then the search reads no more database pages than the README allows',
    points: 7,
    category: 'performance',
    visibility: 'hidden',
    hint: 'A B-tree on the lower-cased name in byte order (COLLATE "C", or text_pattern_ops) answers prefixes and their order; ILIKE on the raw column reads every product.',
    rules: ['R7'],
  },
  {
    slug: 'pages-report',
    title: 'when a one-day report is read, then it reads no more database pages than the README allows',
    points: 5,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Find the day’s orders through an index on created_at, then their items by order id: never the whole orders or items table.',
    rules: ['R7'],
  },
  // latency against the tuned queries (R8)
  {
    slug: 'latency-orders',
    title:
      'when customers’ order pages are load-tested, then their p50 and p99 stay close to the tuned queries’, with the same answers',
    points: 11,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Two statements on the right index, and nothing loaded that the page does not show.',
    rules: ['R8'],
  },
  {
    slug: 'latency-customers',
    title:
      'when country listings are load-tested, then their p50 and p99 stay close to the tuned queries’, with the same answers',
    points: 10,
    category: 'performance',
    visibility: 'hidden',
    hint: 'One statement that counts with an index, rather than a count per customer.',
    rules: ['R8'],
  },
  {
    slug: 'latency-report',
    title:
      'when reports over a few days are load-tested, then their p50 and p99 stay close to the tuned queries’, with the same answers',
    points: 10,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Aggregate in SQL over the range’s orders only; ship ten rows, not thousands.',
    rules: ['R8'],
  },
  {
    slug: 'latency-search',
    title:
      'when prefix searches are load-tested, then their p50 and p99 stay close to the tuned queries’, with the same answers',
    points: 11,
    category: 'performance',
    visibility: 'hidden',
    hint: 'An index range scan in the order of the answer, and only the columns the answer shows (not the long description).',
    rules: ['R8'],
  },
]);
