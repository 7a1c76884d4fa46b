import { setTimeout as sleep } from 'node:timers/promises';
import { api, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { create, expectError, expectRedirect } from './steps/urls.ts';

rubricTest(rubric, 'expiry-410', async () => {
  const r = seeded('expiry-410');
  const url = r.url();
  const expiresAt = new Date(Date.now() + 2000).toISOString();
  const { code } = await create(api(0), { url, expiresAt });
  expectRedirect(await api(0).get(`/${code}`), url, ` (before expiresAt ${expiresAt})`);
  expectRedirect(await api(1).get(`/${code}`), url, ` (before expiresAt ${expiresAt}, other instance)`);
  await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 300);
  expectError(await api(0).get(`/${code}`), [410], `the link expired at ${expiresAt}`);
  expectError(await api(1).get(`/${code}`), [410], `the link expired at ${expiresAt} (other instance)`);
  const past = new Date(Date.now() - 60_000).toISOString();
  expectError(
    await api(0).post('/api/v1/urls', { url: r.url(), expiresAt: past }),
    [400],
    `expiresAt ${past} is in the past`,
  );
});
