import { api, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { create, expectClicks, expectError, expectRedirect, stats } from './steps/urls.ts';

rubricTest(rubric, 'stats', async () => {
  const r = seeded('stats');
  const url = r.url();
  const before = Date.now();
  const { code } = await create(api(0), { url });
  for (let i = 0; i < 3; i++) expectRedirect(await api(0).get(`/${code}`), url);
  await expectClicks(api(0), code, 3, 'after 3 redirects');
  const { ex, body } = await stats(api(0), code);
  if (body.code !== code || body.url !== url) fail(ex, `"code": "${code}" and "url": "${url}"`);
  const created = Date.parse(String(body.createdAt));
  if (Number.isNaN(created) || Math.abs(created - before) > 60_000) {
    fail(ex, `"createdAt" as an ISO 8601 date-time close to ${new Date(before).toISOString()}`);
  }
  if (body.expiresAt !== null) fail(ex, '"expiresAt": null for a link created without one');
  expectError(await api(0).get(`/api/v1/urls/nope${r.word(8)}/stats`), [404], 'stats of an unknown code');
});
