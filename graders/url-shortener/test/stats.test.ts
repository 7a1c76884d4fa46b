import { api, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  CLICK_LAG_MS,
  create,
  expectClicks,
  expectRedirectTo,
  expectStatus,
  seededUrl,
  stats,
} from './steps/urls.ts';

rubricTest(rubric, 'stats', async () => {
  const r = seeded('stats');
  const url = seededUrl(r);
  const before = Date.now();
  const { code } = await create(api(0), { url });
  for (let i = 0; i < 3; i++) expectRedirectTo(await api(0).get(`/${code}`), url);
  for (let i = 0; i < 2; i++) expectRedirectTo(await api(1).get(`/${code}`), url);
  // Clicks served by both instances, read on each: the 2 s bound holds from anywhere. Which read
  // falls short first is timing, so the expectation is one sentence for both, and the failure's
  // detail names the instance.
  const served = 'after 3 redirects on instance a and 2 on b, read on each instance';
  await expectClicks(api(1), code, 5, served, CLICK_LAG_MS);
  await expectClicks(api(0), code, 5, served, CLICK_LAG_MS);
  const { ex, body } = await stats(api(0), code);
  if (body.code !== code || body.url !== url) fail(ex, `"code": "${code}" and "url": "${url}"`);
  const created = Date.parse(String(body.createdAt));
  if (Number.isNaN(created) || Math.abs(created - before) > 60_000) {
    fail(ex, '"createdAt" as an ISO 8601 date-time within a minute of the create');
  }
  if (body.expiresAt !== null) fail(ex, '"expiresAt": null for a link created without one');
  expectStatus(await api(0).get(`/api/v1/urls/nope${r.word(8)}/stats`), [404], 'stats of an unknown code');
});
