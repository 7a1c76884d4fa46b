import { api, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { searchOf } from './steps/oracle.ts';
import { expectBody } from './steps/shop.ts';

const search = (i: number, query: Record<string, string | number>) =>
  api(i).get('/products/search', { query });

rubricTest(rubric, 'search-prefix', async () => {
  const r = seeded('search');
  const word = r.pick(['Rustic', 'Sleek', 'Smart', 'Soft', 'Simple', 'Modern', 'Light', 'Heavy']);
  const queries: [string, number | undefined][] = [
    [word.slice(0, 2), undefined], // many matches, default limit 20
    [word.toUpperCase(), 100], // case does not matter
    [`${word.toLowerCase()} s`, 50], // across a space
    ['100%', 30], // % is a character, not a wildcard
    ['under_', 30], // so is _
    [`${word.toLowerCase()}_`, 10], // nothing: no name holds an underscore there
    ['s%l', 10], // nothing: no name starts with "s%l"
    ['100%25', 5], // nothing: no name holds "%25"
    ['zzz', 10], // nothing at all
    ['a', 1],
  ];
  for (const [n, [q, limit]] of queries.entries()) {
    const ex = await search(n % 2, { q, ...(limit ? { limit } : {}) });
    expectBody(ex, 'data', await searchOf(q, limit ?? 20), `q=${q}${limit ? `&limit=${limit}` : ''} (R4)`);
  }
});
