import { api, expectStatus, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { candidateCalls, expectProduct, freshId, getProduct, originProduct } from './steps/cache.ts';

rubricTest(rubric, 'batch-fetches-misses', async () => {
  const [a, b, c] = ['ba', 'bb', 'bc'].map((l) => freshId(l));
  const u = freshId('batch', 'unknown');
  expectStatus(await getProduct(0, a!), [200], 'a single read that caches one product of the batch');
  const before = (await candidateCalls()).length;
  const asked = [c!, a!, u, b!];
  const ex = await api(1).get('/products', { query: { ids: asked.join(',') } });
  expectStatus(ex, [200], `a batch of ${asked.length} ids, one of them cached`);
  const body = ex.json as { products?: { id?: string; version?: number }[]; missing?: unknown } | undefined;
  const ids = body?.products?.map((p) => p.id);
  if (
    JSON.stringify(ids) !== JSON.stringify([c, a, b]) ||
    JSON.stringify(body?.missing) !== JSON.stringify([u])
  )
    fail(ex, `{"products": [${[c, a, b].join(', ')}] in the order asked, "missing": ["${u}"]}`);
  for (const p of body!.products!) {
    const held = await originProduct(p.id!);
    if (p.version !== held?.version) fail(ex, `"${p.id}" at the origin's version ${held?.version}`);
  }
  const calls = (await candidateCalls()).slice(before);
  const batchCalls = calls.filter((x) => x.method === 'GET' && x.path === '/products');
  const fetched = new Set((batchCalls[0]?.query.ids ?? '').split(','));
  if (calls.length !== 1 || batchCalls.length !== 1 || fetched.size !== 3 || fetched.has(a!))
    fail(
      ex,
      `one origin call, GET /products?ids= with the three ids not cached (${c}, ${u}, ${b}) and not ${a}; the origin got ${calls.map((x) => `${x.method} ${x.path}${x.query.ids ? `?ids=${x.query.ids}` : ''}`).join('; ') || 'nothing'}`,
    );
  // Everything is cached now (the unknown id as unknown): the same batch calls nobody.
  const again = await api(2).get('/products', { query: { ids: asked.join(',') } });
  expectStatus(again, [200], 'the same batch again, on another instance');
  const more = (await candidateCalls()).slice(before + 1);
  if (more.length > 0)
    fail(again, `no origin call for a batch whose every id was just fetched; the origin got ${more.length}`);
  expectProduct(
    await getProduct(0, c!),
    c!,
    (await originProduct(c!))!.version,
    'a single read of a product the batch fetched',
  );
  if ((await candidateCalls()).length !== before + 1)
    fail(
      again,
      'no origin call for a single read of a product a batch just fetched (cached like single reads)',
    );
});
