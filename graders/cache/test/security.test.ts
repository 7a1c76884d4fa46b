import { api, expectStatus, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { candidateCalls, expectProduct, freshId, getProduct, originProduct } from './steps/cache.ts';

rubricTest(rubric, 'private-not-shared', async () => {
  expectStatus(await api(0).get('/me/recommendations'), [401], 'recommendations without Authorization');
  const r = seeded('private');
  const users = [`user-${r.word(10)}`, `user-${r.word(10)}`];
  // Interleaved, on every instance: whatever one caller's answer left cached, the next caller asks.
  for (const [i, u] of [0, 1, 0, 1, 2, 1, 0, 2].entries()) {
    const user = users[u % 2]!;
    const ex = await api(i % 3).get('/me/recommendations', { headers: { Authorization: `Bearer ${user}` } });
    expectStatus(ex, [200], `recommendations of one caller, right after another caller's (${i + 1} of 8)`);
    const got = (ex.json as { user?: unknown } | undefined)?.user;
    if (got !== user)
      fail(ex, `the recommendations of the caller who asked ("user": "${user}"), never another caller's`);
    const cc = (ex.headers['cache-control'] ?? '').toLowerCase();
    if (!/(?:^|[\s,])(private|no-store)(?:$|[\s,])/.test(cc))
      fail(ex, 'Cache-Control: private or no-store on an answer for one caller (R11)');
  }
});

rubricTest(rubric, 'no-cache-poisoning', async () => {
  const id = freshId('poison');
  const other = freshId('poison-batch');
  const before = (await candidateCalls()).length;
  // A client asks for the preview the origin honours, by header and by query, then everyone reads.
  await api(0).get(`/products/${id}`, { headers: { 'X-Preview': '1' }, query: { preview: '1' } });
  await api(1).get('/products', { query: { ids: other, preview: '1' }, headers: { 'X-Preview': '1' } });
  const leaked = (await candidateCalls())
    .slice(before)
    .find((c) => c.headers['x-preview'] !== undefined || c.query.preview !== undefined);
  for (const [i, pid] of [
    [1, id],
    [2, id],
    [0, other],
  ] as const) {
    const ex = await getProduct(i, pid);
    const held = (await originProduct(pid))!;
    expectProduct(
      ex,
      pid,
      held.version,
      'a plain read after a client asked for a preview: the published product',
    );
    if (leaked)
      fail(
        ex,
        `nothing of the client's request but the id at the origin; the origin got ${leaked.method} ${leaked.path} with ${leaked.headers['x-preview'] !== undefined ? 'X-Preview' : '?preview'}`,
      );
  }
});
