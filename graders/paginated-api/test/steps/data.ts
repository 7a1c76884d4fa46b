import pg from 'pg';

/** Rows the grader seeds: at least 200,000, a few more depending on the seed. */
export const rowCount = (seed: number): number => 200_000 + (seed % 997);

/**
 * A category of ~1,300 rows whose sort keys tie a lot, at every precision: runs of equal keys,
 * and timestamps 300 µs apart in one millisecond (a cursor that keeps milliseconds loses rows).
 * Walks with small pages split the ties.
 */
export const TIES = 'ties';
/** A category whose sort keys never tie: stability walks judge only what they mean to. */
export const DISTINCT = 'distinct';

const NAMES = [
  'apple',
  'Apple',
  'APPLE',
  'Äpfel',
  'banana',
  'Banana split',
  'cable',
  'cable ',
  'desk',
  'Desk lamp',
  'éclair',
  'eclair',
  'fan',
  'Fan',
  'globe',
  'hammer',
  'ink',
  'Ink',
  'jar',
  'kettle',
  'lamp',
  'Lamp',
  'mug',
  'nail',
  'oven',
  'pan',
  'quilt',
  'rug',
  'Rug',
  'saw',
  'table',
  'umbrella',
  'vase',
  'wok',
  'xylophone',
  'yarn',
  'zip',
  'Zip',
  '_under',
  '0 zero',
];
const CATEGORIES = [
  'books',
  'garden',
  'kitchen',
  'Kitchen',
  'toys',
  'tools',
  'office',
  'sports',
  'music',
  'pets',
];

/**
 * The products table, filled in SQL on the server from the run's seed (no rows cross the wire):
 * ~0.5 s for 200,000 rows. Many rows share a created_at, a price and a name.
 */
export async function seedProducts(url: string, seed: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE products (
      id bigint PRIMARY KEY,
      name text NOT NULL,
      category text NOT NULL,
      price_cents int NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      internal_cost_cents int NOT NULL
    )`);
    await client.query(
      `INSERT INTO products
       SELECT
         1000 + g * 7 + $2::int % 7,
         CASE WHEN g % 150 = 0 THEN ($3::text[])[1 + h % 5] ELSE ($3::text[])[1 + h % array_length($3::text[], 1)] END,
         CASE WHEN g % 150 = 0 THEN '${TIES}' WHEN g % 150 = 75 THEN '${DISTINCT}'
              ELSE ($4::text[])[1 + (h >> 8) % array_length($4::text[], 1)] END,
         CASE WHEN g % 150 = 0 THEN 100 * (1 + h % 6) WHEN g % 150 = 75 THEN g ELSE 100 * (1 + (h >> 4) % 400) END,
         timestamptz '2025-01-01 00:00:00+00'
           + CASE WHEN g % 150 = 0 THEN (h % 9) * interval '1 hour' + ((h >> 12) % 3) * interval '300 microseconds'
                  WHEN g % 150 = 75 THEN g * interval '1 second'
                  ELSE ((h >> 3) % 20000) * interval '1 minute' + ((h >> 16) % 4) * interval '250 microseconds' END,
         timestamptz '2025-06-01 00:00:00+00' + (h % 100000) * interval '1 second',
         1 + (h >> 5) % 90000
       FROM (
         SELECT g, ('x' || substr(md5(g::text || ':' || $2::text), 1, 8))::bit(32)::int & 2147483647 AS h
         FROM generate_series(1, $1::int) g
       ) s`,
      [rowCount(seed), seed, NAMES, CATEGORIES],
    );
    // Names in the distinct category are unique too.
    await client.query(`UPDATE products SET name = name || ' #' || id WHERE category = '${DISTINCT}'`);
    await client.query('ANALYZE products');
  } finally {
    await client.end();
  }
}
