import {
  api,
  type Exchange,
  expectError,
  expectErrorJson,
  expectStatus,
  fail,
  rubricTest,
} from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  candidateCalls,
  expectProduct,
  freshId,
  getProduct,
  origin,
  originProduct,
  putProduct,
  settings,
} from './steps/cache.ts';

rubricTest(rubric, 'product-as-origin', async () => {
  const id = freshId('as-origin');
  const a = await getProduct(0, id);
  const held = (await originProduct(id))!;
  const p = expectProduct(a, id, held.version, 'the first read of a product');
  if (p.name !== held.name || p.priceCents !== held.priceCents)
    fail(a, `the origin's "name": "${held.name}" and "priceCents": ${held.priceCents}`);
  const etag = a.headers.etag;
  if (!etag) fail(a, 'an ETag header (R1)');
  const maxAge = Math.ceil(settings().freshMs / 1000);
  const cc = (a.headers['cache-control'] ?? '').toLowerCase();
  const age = /(?:^|[\s,])max-age=(\d+)/.exec(cc)?.[1];
  if (!/(?:^|[\s,])public(?:$|[\s,])/.test(cc) || age === undefined || Number(age) > maxAge)
    fail(
      a,
      `Cache-Control: public, max-age=N with N at most ${maxAge} (CACHE_TTL_MS in seconds, rounded up)`,
    );
  const b = await getProduct(1, id);
  expectProduct(b, id, held.version, 'the same product read on another instance');
  if (b.headers.etag !== etag) fail(b, `the same ETag as instance a gave for the same version: ${etag}`);
});

rubricTest(rubric, 'etag-304', async () => {
  const id = freshId('etag');
  const first = await getProduct(0, id);
  expectStatus(first, [200], 'the first read of a product');
  const etag = first.headers.etag;
  if (!etag) fail(first, 'an ETag header (R1)');
  const again = await getProduct(1, id, { headers: { 'If-None-Match': etag } });
  if (again.status !== 304 || again.headers.etag !== etag || again.text !== '')
    fail(again, `304 with ETag ${etag} and no body, for If-None-Match holding the current ETag`);
  const written = await putProduct(0, id, { name: 'Renamed for ETag', priceCents: 4242 });
  const v = expectProduct(
    written,
    id,
    ((first.json as { version: number }).version ?? 0) + 1,
    'a write',
  ).version;
  const after = await getProduct(0, id, { headers: { 'If-None-Match': etag } });
  expectProduct(after, id, v, 'If-None-Match with the ETag of the version before the write');
  if (!after.headers.etag || after.headers.etag === etag)
    fail(after, `an ETag other than ${etag}, the ETag of the version before the write`);
});

rubricTest(rubric, 'bad-input-400', async () => {
  const before = (await candidateCalls()).length;
  // Every malformed id and batch names "bad": an origin call that carries one is a stray.
  const bad: [string, Promise<Exchange>][] = [
    ['an id of 65 characters', getProduct(0, `bad${'x'.repeat(62)}`)],
    ['an id with a dot', api(1).get('/products/bad.id')],
    ['a batch with no ids', api(2).get('/products', { query: { ids: '' } })],
    [
      'a batch of 51 ids',
      api(0).get('/products', {
        query: { ids: Array.from({ length: 51 }, (_, i) => `bad51-${i}`).join(',') },
      }),
    ],
    ['a batch holding a bad id', api(1).get('/products', { query: { ids: 'bad-but-fine,bad id' } })],
    ['a write with an empty name', putProduct(2, 'bad-w1', { name: '', priceCents: 1 })],
    [
      'a write with a name of 201 characters',
      putProduct(0, 'bad-w2', { name: 'n'.repeat(201), priceCents: 1 }),
    ],
    ['a write with a negative price', putProduct(1, 'bad-w3', { name: 'x', priceCents: -1 })],
    ['a write with a fractional price', putProduct(2, 'bad-w4', { name: 'x', priceCents: 1.5 })],
    ['a write without a price', putProduct(0, 'bad-w5', { name: 'x' })],
    [
      'a write whose body is not JSON',
      api(1).request('PUT', '/products/bad-w6', {
        body: '{"name": ',
        headers: { 'content-type': 'application/json' },
      }),
    ],
  ];
  let last: Exchange | undefined;
  for (const [what, p] of bad) {
    last = await p;
    expectStatus(last, [400], what);
  }
  const stray = (await candidateCalls())
    .slice(before)
    .find((c) => c.path.includes('bad') || (c.query.ids ?? '').includes('bad'));
  if (stray && last)
    fail(last, `no origin call for a malformed request; the origin got ${stray.method} ${stray.path}`);
  // The edges allowed: an id of 64 characters, a batch of 50 ids, a name of 200 characters.
  expectStatus(await getProduct(1, `e${'d'.repeat(63)}`), [200], 'an id of 64 characters (R1 allows 1–64)');
  expectStatus(
    await api(2).get('/products', {
      query: { ids: Array.from({ length: 50 }, (_, i) => `b50-${i}`).join(',') },
    }),
    [200],
    'a batch of 50 distinct ids (R6 allows 1–50)',
  );
  expectStatus(
    await putProduct(0, freshId('edge-w'), { name: 'n'.repeat(200), priceCents: 0 }),
    [200],
    'a write with a name of 200 characters and priceCents 0',
  );
});

rubricTest(rubric, 'error-json', async () => {
  expectError(await api(0).get('/no/such/route'), [404], 'an unknown route (R14)');
  expectError(
    await getProduct(1, freshId('json', 'unknown')),
    [404],
    'a product the origin does not know (R7)',
  );
  expectErrorJson(await getProduct(2, 'x'.repeat(65)), 'a 400 for a bad id (R14)');
  const id = freshId('json-503');
  await origin().add([{ method: 'GET', path: `/products/${id}`, respond: { status: 503, json: {} } }]);
  expectError(await getProduct(0, id), [503], 'a product the origin answers 503 for, with no copy (R8)');
});
