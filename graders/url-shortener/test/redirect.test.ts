import { api, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { create, expectRedirect, expectStatus, seededUrl, unnormalisedUrls } from './steps/urls.ts';

rubricTest(rubric, 'redirect-exact-location', async () => {
  const r = seeded('redirect-exact-location');
  for (const url of [seededUrl(r), ...unnormalisedUrls(r)]) {
    const { code } = await create(api(0), { url });
    // Twice: the first may be served from the database, the second from a cache.
    expectRedirect(await api(0).get(`/${code}`), url);
    expectRedirect(await api(0).get(`/${code}`), url, ' (second request, maybe from cache)');
  }
});

rubricTest(rubric, 'unknown-code-404', async () => {
  const r = seeded('unknown-code-404');
  for (let i = 0; i < 2; i++) {
    const code = `zz${r.word(10)}`;
    expectStatus(await api(0).get(`/${code}`), [404], `code ${code} was never created`);
  }
});
