import { expectStatus, fail, rubricTest, type StubResponse } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  expectProduct,
  firstRead,
  freshId,
  getProduct,
  isStale,
  MARGIN_MS,
  origin,
  settings,
  until,
} from './steps/cache.ts';

/** README R8: an answer within 1.5 s of the request, plus the margin. */
const ANSWER_MS = 1500 + MARGIN_MS;

const FAULTS: { respond: StubResponse; what: string }[] = [
  { respond: { status: 503, json: { error: 'down' } }, what: 'the origin answers 503' },
  { respond: { hang: true }, what: 'the origin accepts the call and never answers' },
];

rubricTest(rubric, 'origin-down-serves-stale', async () => {
  const { freshMs } = settings();
  for (const [k, f] of FAULTS.entries()) {
    const id = freshId(`down-stale-${k}`);
    const { answered, version: v } = await firstRead(id);
    await origin().add([{ method: 'GET', path: `/products/${id}`, respond: f.respond }]);
    await until(answered, freshMs + 200);
    const ex = await getProduct(1 + k, id);
    expectProduct(ex, id, v, `a read of a copy past CACHE_TTL_MS while ${f.what}: the copy`);
    if (!isStale(ex) || !/^\d+$/.test(ex.headers.age ?? ''))
      fail(ex, `X-Cache: STALE and an Age on the copy served while ${f.what} (R8, as R4)`);
    if (ex.ms > ANSWER_MS) fail(ex, `the copy within 1.5 s while ${f.what}; it took ${ex.ms} ms`);
  }
});

rubricTest(rubric, 'origin-down-503', async () => {
  for (const [k, f] of FAULTS.entries()) {
    const id = freshId(`down-503-${k}`);
    await origin().add([{ method: 'GET', path: `/products/${id}`, respond: f.respond }]);
    // Three callers on three instances: the ones waiting on another's fetch must get their answer too.
    const all = await Promise.all([0, 1, 2].map((i) => getProduct(i, id)));
    for (const ex of all) {
      expectStatus(ex, [503], `a product with no copy while ${f.what}`);
      if (ex.ms > ANSWER_MS) fail(ex, `503 within 1.5 s while ${f.what}; it took ${ex.ms} ms`);
    }
  }
});
