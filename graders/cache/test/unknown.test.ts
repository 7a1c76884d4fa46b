import { setTimeout as sleep } from 'node:timers/promises';
import { type Exchange, expectStatus, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  catalogueEdit,
  expectProduct,
  freshId,
  getProduct,
  MARGIN_MS,
  readsOf,
  settings,
  until,
} from './steps/cache.ts';

/** How early before NEGATIVE_TTL_MS the repeated reads stop (the mark's clock starts before our answer). */
const NEGATIVE_SLACK_MS = 300;

rubricTest(rubric, 'unknown-remembered', async () => {
  const id = freshId('negative', 'unknown');
  const { negativeMs } = settings();
  const first = await getProduct(0, id);
  const answered = Date.now();
  expectStatus(first, [404], 'a product the origin does not know');
  let last: Exchange = first;
  for (let i = 1; Date.now() < answered + negativeMs - NEGATIVE_SLACK_MS; i++) {
    last = await getProduct(i % 3, id);
    expectStatus(last, [404], 'the unknown product again');
    await sleep(50);
  }
  const calls = await readsOf(id);
  if (calls.length !== 1)
    fail(
      last,
      `one origin call for the unknown id within NEGATIVE_TTL_MS (${negativeMs} ms), on any instance; the origin got ${calls.length}`,
    );
  const created = await catalogueEdit(id, { name: 'Created after a 404', priceCents: 500 });
  await until(answered, negativeMs);
  const deadline = answered + negativeMs + MARGIN_MS + 300;
  for (;;) {
    const ex = await getProduct(1, id);
    if (ex.status === 200) {
      expectProduct(ex, id, created.version, 'the product the origin created after the 404');
      return;
    }
    if (Date.now() > deadline)
      fail(
        ex,
        `200 with the product the origin created after the 404, once NEGATIVE_TTL_MS (${negativeMs} ms) has passed`,
      );
    await sleep(100);
  }
});
