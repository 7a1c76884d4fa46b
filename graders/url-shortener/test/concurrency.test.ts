import { api, type Exchange, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { create, expectClicks, expectCreated, expectError, expectRedirect, pool } from './steps/urls.ts';

rubricTest(rubric, 'instances-share-state', async () => {
  const r = seeded('instances-share-state');
  const url = r.url();
  const { code } = await create(api(0), { url });
  expectRedirect(await api(1).get(`/${code}`), url, ' (created on instance a, requested on instance b)');
  const alias = `shared-${r.word(8)}`;
  await create(api(1), { url: r.url(), alias });
  expectError(
    await api(0).post('/api/v1/urls', { url: r.url(), alias }),
    [409],
    `alias ${alias} was taken on the other instance`,
  );
  await expectClicks(api(1), code, 1, 'on instance b after one redirect served by b');
});

rubricTest(
  rubric,
  'unique-codes-under-load',
  async () => {
    const r = seeded('unique-codes-under-load');
    const n = 1000;
    const urls = Array.from({ length: n }, (_, i) => `${r.url()}&i=${i}`);
    const results = await Promise.all(urls.map((url, i) => api(i % 2).post('/api/v1/urls', { url })));
    const codes = new Map<string, number>();
    results.forEach((ex, i) => {
      const { code } = expectCreated(ex, { url: urls[i]! });
      const prev = codes.get(code);
      if (prev !== undefined) {
        fail(
          ex,
          `a code no other create received; ${code} was also returned for request #${prev} (${urls[prev]})`,
        );
      }
      codes.set(code, i);
    });
    // Each code must resolve to its own URL, from the instance that did not create it.
    const sample = [...codes.entries()].filter((_, k) => k % 20 === 0);
    await pool(sample.length, 10, async (k) => {
      const [code, i] = sample[k]!;
      expectRedirect(await api((i + 1) % 2).get(`/${code}`), urls[i]!);
    });
  },
  { timeout: 60_000 },
);

rubricTest(rubric, 'alias-race-single-winner', async () => {
  const r = seeded('alias-race-single-winner');
  const alias = `race-${r.word(10)}`;
  const urls = Array.from({ length: 20 }, () => r.url());
  const results = await Promise.all(urls.map((url, i) => api(i % 2).post('/api/v1/urls', { url, alias })));
  const winners = results.flatMap((ex, i) => (ex.status === 201 ? [i] : []));
  const others = results.filter((ex) => ex.status !== 201 && ex.status !== 409);
  if (others.length) fail(others[0]!, `201 or 409 for every one of 20 concurrent creates of alias ${alias}`);
  if (winners.length !== 1) {
    fail(
      results[winners[1] ?? 0]!,
      `exactly one 201 among 20 concurrent creates of alias ${alias}`,
      `Got ${winners.length} × 201.`,
    );
  }
  expectRedirect(await api(0).get(`/${alias}`), urls[winners[0]!]!, ' (the URL of the single 201)');
});

rubricTest(rubric, 'clicks-under-concurrency', async () => {
  const r = seeded('clicks-under-concurrency');
  const url = r.url();
  const { code } = await create(api(0), { url });
  const n = 400;
  const hits: Exchange[] = await pool(n, 100, (i) => api(i % 2).get(`/${code}`));
  const bad = hits.find((ex) => ex.status !== 302);
  if (bad) fail(bad, `302 for each of ${n} concurrent redirects`);
  await expectClicks(api(0), code, n, `after ${n} concurrent redirects on two instances`);
});
