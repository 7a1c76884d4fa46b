import { setTimeout as sleep } from 'node:timers/promises';
import { type Exchange, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  catalogueEdit,
  expectProduct,
  firstRead,
  freshId,
  getProduct,
  isStale,
  origin,
  readsOf,
  settings,
  until,
} from './steps/cache.ts';

// The items wait out TTLs on products of their own: they run at once.
const concurrent = { concurrent: true, timeout: 30_000 };
/**
 * How early before CACHE_TTL_MS the fresh item stops reading: the copy's clock may start up to
 * this long before the grader got its first answer (the fetch's end, Redis, the answer's way back).
 */
const FRESH_SLACK_MS = 300;
/**
 * How long a refresh is held at the origin on top of its 100–300 ms, so a stale answer cannot be
 * waiting on it: the refresh still ends well within R8's 1 s call timeout.
 */
const SLOW_REFRESH_MS = 450;
/** A stale answer comes at cache latency: before the held refresh could come back (≥ 550 ms). */
const STALE_ANSWER_MS = 450;

rubricTest(
  rubric,
  'fresh-served-from-cache',
  async () => {
    const id = freshId('fresh');
    const { answered } = await firstRead(id);
    const { freshMs } = settings();
    let last: Exchange | undefined;
    for (let i = 0; Date.now() < answered + freshMs - FRESH_SLACK_MS; i++) {
      last = await getProduct(i % 3, id);
      expectProduct(last, id, 0, 'a read while the copy is fresh', true);
      await sleep(40);
    }
    const calls = await readsOf(id);
    if (calls.length !== 1)
      fail(
        last!,
        `one origin call in all for reads on the three instances within CACHE_TTL_MS (${freshMs} ms) of the first; the origin got ${calls.length}`,
      );
  },
  concurrent,
);

rubricTest(
  rubric,
  'stale-while-revalidate',
  async () => {
    const id = freshId('swr');
    const first = await firstRead(id);
    const { freshMs } = settings();
    const edited = await catalogueEdit(id, { name: 'Renamed while cached' });
    await until(first.answered, freshMs + 300);
    // The refresh is held at the origin: the stale answers cannot be waiting for it.
    await origin().add([
      { method: 'GET', path: `/products/${id}`, respond: { model: true, delayMs: SLOW_REFRESH_MS } },
    ]);
    const answers = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const sent = Date.now();
        const ex = await getProduct(i % 3, id);
        return { sent, ex, got: Date.now() };
      }),
    );
    for (const { sent, ex, got } of answers) {
      expectProduct(
        ex,
        id,
        first.version,
        `a read ${sent - first.answered} ms after the first, its copy stale`,
      );
      if (!isStale(ex)) fail(ex, 'X-Cache: STALE on a copy past CACHE_TTL_MS (R4)');
      if (ex.ms > STALE_ANSWER_MS)
        fail(
          ex,
          `the stale copy at once (within ${STALE_ANSWER_MS} ms), not after the refresh; it took ${ex.ms} ms`,
        );
      const lo = Math.floor((sent - first.answered) / 1000);
      const hi = Math.floor((got - first.sent) / 1000);
      const age = Number(ex.headers.age);
      if (!/^\d+$/.test(ex.headers.age ?? '') || age < lo || age > hi)
        fail(ex, `Age: whole seconds since the copy was fetched (${lo === hi ? lo : `${lo} to ${hi}`})`);
    }
    const last = answers.at(-1)!.ex;
    // The refresh: one call for all instances, and its copy served fresh afterwards.
    await sleep(SLOW_REFRESH_MS + 700);
    const during = (await readsOf(id)).length - 1;
    if (during !== 1)
      fail(
        last,
        `exactly one refresh at the origin for the 30 stale reads on three instances; it got ${during}`,
      );
    const after = await getProduct(2, id);
    expectProduct(after, id, edited.version, 'a read once the refresh is done: the refreshed copy');
    if (isStale(after)) fail(after, 'no STALE mark on the refreshed copy');
  },
  concurrent,
);

rubricTest(
  rubric,
  'stale-bound',
  async () => {
    const id = freshId('stale-bound');
    const first = await firstRead(id);
    const { freshMs, staleMs } = settings();
    const edited = await catalogueEdit(id, { name: 'Renamed past the stale bound' });
    await until(first.answered, freshMs + staleMs + 300);
    const ex = await getProduct(1, id);
    expectProduct(
      ex,
      id,
      edited.version,
      `a read ${Date.now() - first.answered} ms after the first, past CACHE_TTL_MS + STALE_TTL_MS (${freshMs + staleMs} ms): the origin's version, not the old copy`,
    );
  },
  concurrent,
);
