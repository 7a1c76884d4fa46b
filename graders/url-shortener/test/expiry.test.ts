import { setTimeout as sleep } from 'node:timers/promises';
import { api, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { create, expectRedirectTo, expectStatus, seededUrl } from './steps/urls.ts';

// A window a loaded 2-core machine can honour: the create and the redirects before expiry take
// milliseconds, and the checks after it wait 0.75 s past expiresAt.
const WINDOW_MS = 3000;
const MARGIN_MS = 750;

rubricTest(rubric, 'expiry-410', async () => {
  const r = seeded('expiry-410');
  const url = seededUrl(r);
  const expiresAt = new Date(Date.now() + WINDOW_MS).toISOString();
  const shown = JSON.stringify({ url, expiresAt: `(${WINDOW_MS / 1000} s after this request)` });
  const { code } = await create(api(0), { url, expiresAt }, shown);
  const before = [await api(0).get(`/${code}`), await api(1).get(`/${code}`)];
  if (Date.now() < Date.parse(expiresAt) - MARGIN_MS) {
    expectRedirectTo(before[0]!, url, ' (before expiresAt)');
    expectRedirectTo(before[1]!, url, ' (before expiresAt, other instance)');
  }
  await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + MARGIN_MS);
  const why = `the link expired ${MARGIN_MS / 1000} s ago (expiresAt was ${WINDOW_MS / 1000} s after the create)`;
  expectStatus(await api(0).get(`/${code}`), [410], why);
  expectStatus(await api(1).get(`/${code}`), [410], `${why}; other instance`);
});

rubricTest(rubric, 'expires-at-in-past-400', async () => {
  const r = seeded('expires-at-in-past-400');
  // Past instants from the seed, not from the clock: the failure text must repeat word for word.
  const cases: [string, string][] = [
    [new Date(Date.UTC(2020, 0, 1) + r.int(0, 86_400) * 1000).toISOString(), 'in 2020'],
    [new Date(Date.UTC(2001, 8, 9) + r.int(0, 86_400) * 1000).toISOString(), 'in 2001'],
  ];
  for (const [expiresAt, when] of cases) {
    const ex = await api(0).post('/api/v1/urls', { url: seededUrl(r), expiresAt });
    if (ex.status !== 400) fail(ex, `400 (expiresAt is in the past: ${when})`);
  }
});
