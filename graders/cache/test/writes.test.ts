import { setTimeout as sleep } from 'node:timers/promises';
import { type Exchange, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  catalogueEdit,
  expectProduct,
  freshId,
  getProduct,
  MARGIN_MS,
  origin,
  originProduct,
  putProduct,
  settings,
} from './steps/cache.ts';

/** README R5: the other instances serve the new version within 200 ms, plus the margin. */
const OTHERS_MS = 200 + MARGIN_MS;
/** How long the race's read is held at the origin: past the write, within the 1 s call timeout. */
const SLOW_READ_MS = 600;

const version = (ex: Exchange): number => (ex.json as { version?: number } | undefined)?.version ?? -1;

rubricTest(rubric, 'write-visible-everywhere', async () => {
  const id = freshId('write');
  const first = await getProduct(0, id);
  const v = (await originProduct(id))!.version;
  expectProduct(first, id, v, 'a read that caches the product before the write');
  for (const i of [1, 2])
    expectProduct(await getProduct(i, id), id, v, 'a read that caches the product before the write');
  const written = await putProduct(0, id, { name: 'Written through', priceCents: 1234 });
  const answered = Date.now();
  expectProduct(written, id, v + 1, 'a write: the origin’s answer, one version higher');
  expectProduct(
    await getProduct(0, id),
    id,
    v + 1,
    'a read on the instance that wrote, right after its answer',
    true,
  );
  for (const i of [1, 2]) {
    for (;;) {
      const ex = await getProduct(i, id);
      if (version(ex) >= v + 1) {
        expectProduct(ex, id, v + 1, 'a read on another instance after the write', true);
        break;
      }
      if (Date.now() - answered > OTHERS_MS)
        fail(ex, `version ${v + 1} or newer on every instance within 200 ms of the write's answer (R5)`);
      await sleep(20);
    }
  }
});

rubricTest(rubric, 'write-beats-slow-read', async () => {
  const id = freshId('race');
  // The read's answer is the version before the write, held at the origin while the write goes
  // through (well within R8's 1 s call timeout).
  const before = await catalogueEdit(id, {});
  await origin().add([
    {
      method: 'GET',
      path: `/products/${id}`,
      times: 1,
      respond: { status: 200, json: before, delayMs: SLOW_READ_MS },
    },
  ]);
  const read = getProduct(0, id);
  await sleep(100);
  const written = await putProduct(1, id, { name: 'Written during a slow read', priceCents: 777 });
  expectProduct(
    written,
    id,
    before.version + 1,
    'a write while a read of the same product waits on the origin',
  );
  const v = before.version + 1;
  await read;
  // The slow read may answer the old version to its own client; nobody after it may get it.
  const { freshMs } = settings();
  const until = Date.now() + Math.min(1500, freshMs - 500);
  let i = 0;
  do {
    const ex = await getProduct(i % 3, id);
    if (version(ex) < v)
      fail(
        ex,
        `version ${v} or newer after the write, on every instance: a read that fetched version ${before.version} before the write and finished after it must not put it back (R5)`,
      );
    i++;
    await sleep(50);
  } while (Date.now() < until);
});
