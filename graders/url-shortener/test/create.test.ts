import { api, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { expectCreated, expectStatus, seededUrl, unnormalisedUrls } from './steps/urls.ts';

rubricTest(rubric, 'create-short-url', async () => {
  const r = seeded('create-short-url');
  for (const url of [seededUrl(r), seededUrl(r), ...unnormalisedUrls(r)]) {
    const body = { url };
    expectCreated(await api(0).post('/api/v1/urls', body), body);
  }
});

rubricTest(rubric, 'url-validation', async () => {
  const r = seeded('url-validation');
  const host = `${r.word(6, 'abcdefghij')}.example.org`;
  const longest = `https://${host}/${'a'.repeat(2048 - `https://${host}/`.length)}`;
  const invalid: [string, string][] = [
    [`ftp://${host}/file`, 'ftp is not http(s)'],
    ['http://', 'no host'],
    [`not a url ${r.word(4)}`, 'not a URL'],
    [`/relative/${r.word(5)}`, 'relative path'],
    [`${longest}b`, '2049 characters'],
  ];
  for (const [url, why] of invalid) {
    expectStatus(
      await api(0).post('/api/v1/urls', { url }),
      [400],
      `url "${url.slice(0, 60)}" is invalid: ${why}`,
    );
  }
  const ok = await api(0).post('/api/v1/urls', { url: longest });
  if (ok.status !== 201) fail(ok, '201: a URL of exactly 2048 characters is allowed');
});
