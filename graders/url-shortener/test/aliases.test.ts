import { api, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { create, expectRedirectTo, expectStatus, seededUrl, stats } from './steps/urls.ts';

rubricTest(rubric, 'custom-alias', async () => {
  const r = seeded('custom-alias');
  const aliases = [`${r.word(1)}_-`, `My-Alias_${r.word(6)}`, r.word(32)];
  for (const alias of aliases) {
    const url = seededUrl(r);
    const { code } = await create(api(0), { url, alias });
    if (code !== alias) {
      const ex = await api(0).get(`/${code}`);
      fail(ex, `the alias "${alias}" as the code`, `The create answered code "${code}".`);
    }
    expectRedirectTo(await api(0).get(`/${alias}`), url);
  }
});

rubricTest(rubric, 'alias-conflict-409', async () => {
  const r = seeded('alias-conflict-409');
  const alias = `taken-${r.word(8)}`;
  const first = seededUrl(r);
  await create(api(0), { url: first, alias });
  // Warm any cache first: an overwrite must not hide behind a cached copy.
  expectRedirectTo(await api(0).get(`/${alias}`), first);
  expectStatus(
    await api(0).post('/api/v1/urls', { url: seededUrl(r), alias }),
    [409],
    `alias ${alias} is already taken`,
  );
  expectRedirectTo(await api(0).get(`/${alias}`), first, ' (the first target must be unchanged after a 409)');
  const s = await stats(api(1), alias);
  if (s.body.url !== first)
    fail(s.ex, `"url": "${first}" in stats (the first target must be unchanged after a 409)`);
});

rubricTest(rubric, 'alias-validation', async () => {
  const r = seeded('alias-validation');
  const cases: [string, string][] = [
    [r.word(2), 'shorter than 3'],
    [r.word(33), 'longer than 32'],
    [`has space${r.word(3)}`, 'contains a space'],
    [`bad/${r.word(4)}`, 'contains a slash'],
    [`émoji${r.word(3)}`, 'non-ASCII letter'],
    ['api', 'reserved route name'],
    ['healthz', 'reserved route name'],
  ];
  for (const [alias, why] of cases) {
    expectStatus(
      await api(0).post('/api/v1/urls', { url: seededUrl(r), alias }),
      [400],
      `alias "${alias}": ${why}`,
    );
  }
});
