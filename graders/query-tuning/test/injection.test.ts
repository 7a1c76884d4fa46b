import { api, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { COUNTRIES } from './steps/data.ts';
import { searchOf } from './steps/oracle.ts';
import { expect400, expectBody, ordersPage, ordinaryCustomer } from './steps/shop.ts';

const cursorOf = (text: string): string => Buffer.from(text).toString('base64url');

// README R4 and R9: every parameter is a value. One written into the SQL text answers 500 (a
// quote ends its string literal) or rows of the caller's choosing; a backslash left unescaped in a
// LIKE pattern makes the character after it match itself, so \ru finds the names starting "ru".
rubricTest(rubric, 'inputs-are-values', async () => {
  const r = seeded('inputs-are-values');
  const word = r.pick(['rustic', 'sleek', 'smart', 'soft', 'modern']);
  const searches: [string, number][] = [
    ["it's", 10], // a quote: no name holds one
    [`${word}' OR true OR name LIKE '`, 5], // every product, were it SQL
    ["zz'; SELECT pg_sleep(1); --", 5],
    [`${word}\\`, 10],
    ['\\', 10],
    [`\\${word.slice(0, 2)}`, 10], // nothing: no name starts with a backslash (unescaped, "ru…")
    [`${word.slice(0, 2)}\\%`, 10],
  ];
  for (const [n, [q, limit]] of searches.entries())
    expectBody(
      await api(n % 2).get('/products/search', { query: { q, limit } }),
      'data',
      await searchOf(q, limit),
      `q=${q}&limit=${limit}: the names starting with exactly these characters (R4, R9)`,
    );
  const country = r.pick(COUNTRIES);
  const refused: Record<string, string>[] = [
    { country: `${country}' OR '1'='1` },
    { country, after_id: '0 OR 1=1' },
    { country, after_id: '1; SELECT 1' },
  ];
  for (const query of refused)
    expect400(
      await api(0).get('/customers', { query }),
      `${JSON.stringify(query)}: not a value the README allows (R2, R9)`,
    );
  const who = ordinaryCustomer(r.int(0, 1e6));
  for (const cursor of [
    cursorOf(JSON.stringify(["2025-01-01 00:00:00+00' OR '1'='1", 1])),
    cursorOf('1 OR 1=1'),
    "' OR 1=1 --",
  ])
    expect400(await ordersPage(1, who, { cursor }), `a cursor the service never gave, ${cursor} (R9)`);
});
