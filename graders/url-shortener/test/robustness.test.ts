import { api, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { expectError, seededUrl } from './steps/urls.ts';

const JSON_CT = { 'content-type': 'application/json' };

rubricTest(rubric, 'malformed-json-400', async () => {
  const r = seeded('malformed-json-400');
  for (const raw of [
    `{"url": "https://${r.word(5)}.example.com/",`,
    '{url: nope}',
    '{"url": "https://a.example.com"}}',
  ]) {
    expectError(await api(0).postRaw('/api/v1/urls', raw, JSON_CT), [400], 'the body is not valid JSON');
  }
});

rubricTest(rubric, 'wrong-types-400', async () => {
  const r = seeded('wrong-types-400');
  const url = seededUrl(r);
  const bodies: [unknown, string][] = [
    [{ url: 12345 }, 'url is a number'],
    [{ url: [url] }, 'url is an array'],
    [{ url: { href: url } }, 'url is an object'],
    [{ url, alias: 42 }, 'alias is a number'],
    [{ url, expiresAt: 'tomorrow at noon' }, 'expiresAt is not a date-time'],
    [{ url, expiresAt: { at: 1 } }, 'expiresAt is an object'],
    [[url], 'the body is an array'],
    ['just a string', 'the body is a string'],
    [{}, 'url is missing'],
  ];
  for (const [body, why] of bodies) {
    expectError(await api(0).post('/api/v1/urls', body), [400], why);
  }
});

rubricTest(rubric, 'oversized-body-413', async () => {
  const r = seeded('oversized-body-413');
  // A valid URL padded with an unknown field: only the size is wrong, so no other rule can refuse it.
  const padded = JSON.stringify({ url: seededUrl(r), note: 'x'.repeat(100 * 1024) });
  expectError(
    await api(0).postRaw('/api/v1/urls', padded, JSON_CT),
    [413],
    'a valid create padded to 100 KB',
  );
  const health = await api(0).get('/healthz');
  if (health.status !== 200) fail(health, '200 from /healthz after an oversized request');
  // Bodies up to 8 KB must still pass (R15).
  const small = { url: seededUrl(r), note: 'y'.repeat(7 * 1024) };
  const ok = await api(0).post('/api/v1/urls', small);
  if (ok.status !== 201)
    fail(ok, '201 for a valid create of 7 KB (bodies up to 8 KB are accepted; unknown fields are ignored)');
});

rubricTest(rubric, 'unknown-route-json-404', async () => {
  const r = seeded('unknown-route-json-404');
  expectError(await api(0).get(`/api/v1/${r.word(8)}`), [404], 'an unknown API route');
  expectError(
    await api(0).get(`/api/v1/urls/${r.word(6)}/${r.word(6)}/x`),
    [404],
    'an unknown nested API route',
  );
});
