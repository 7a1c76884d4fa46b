import { api, expectStatus, fail, grading, rubricTest } from '@bc/harness/kit';
import { Redis } from 'ioredis';
import { rubric } from '../rubric.ts';
import { settings } from './steps/cache.ts';

/** README R13: a key's TTL may pass its purpose's by this much. */
const SLACK_MS = 10_000;
// 2,000 ids in batches of 25, well inside R6's 50: the item grades expiry, not where a batch's
// limit lies (a boundary mutant that refuses 50 lost this item too, on every seed).
const BATCH = 25;
const BATCHES = 80;
const AT_ONCE = 8;

rubricTest(
  rubric,
  'keys-expire',
  async () => {
    const { freshMs, staleMs, negativeMs } = settings();
    // Thousands of distinct ids, known and unknown, in batches over the three instances.
    let last = await api(0).get('/healthz');
    for (let b = 0; b < BATCHES; b += AT_ONCE) {
      const round = await Promise.all(
        Array.from({ length: AT_ONCE }, (_, k) =>
          api((b + k) % 3).get('/products', {
            query: {
              ids: Array.from(
                { length: BATCH },
                (_, i) => `${(b + k) % 2 ? 'unknown-' : 'p-'}scan-${b + k}-${i}`,
              ).join(','),
            },
          }),
        ),
      );
      for (const ex of round) expectStatus(ex, [200], `a batch of ${BATCH} distinct ids`);
      last = round.at(-1)!;
    }
    const longest = Math.max(freshMs + staleMs, negativeMs) + SLACK_MS;
    const redis = new Redis(grading().env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'COUNT', 1000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
      const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
      // -2: the key expired between SCAN and PTTL.
      const bad = keys.filter((_, i) => ttls[i] === -1 || ttls[i]! > longest);
      // How many keys, and which, vary from run to run: they follow the failure, not its first line.
      if (bad.length > 0)
        fail(
          last,
          `every key in Redis expiring within ${longest} ms (its TTL plus 10 s) after reading ${BATCHES * BATCH} distinct ids`,
          `${bad.length} of ${keys.length} do not, e.g. ${bad
            .slice(0, 3)
            .map(
              // Key names are the candidate's: quoted as data, and cut short.
              (k) =>
                `"${k.length > 80 ? `${k.slice(0, 80)}…` : k}" (${ttls[keys.indexOf(k)] === -1 ? 'no expiry' : `${ttls[keys.indexOf(k)]} ms`})`,
            )
            .join(', ')}.`,
        );
    } finally {
      redis.disconnect();
    }
  },
  { timeout: 60_000 },
);
