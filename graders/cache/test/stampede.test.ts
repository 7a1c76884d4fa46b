import { type Exchange, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { expectProduct, freshId, getProduct, originProduct, readsOf } from './steps/cache.ts';

/** `n` reads of one cold product at once, instance by `pick`; every one must get the product. */
async function storm(id: string, n: number, pick: (i: number) => number, what: string): Promise<Exchange> {
  const all = await Promise.all(Array.from({ length: n }, (_, i) => getProduct(pick(i), id)));
  const v = (await originProduct(id))?.version ?? 0;
  for (const ex of all) expectProduct(ex, id, v, what);
  return all.at(-1)!;
}

rubricTest(rubric, 'stampede-one-instance', async () => {
  const id = freshId('stampede-one');
  const last = await storm(id, 100, () => 0, '100 reads of one cold product at once, on instance a');
  const calls = await readsOf(id);
  if (calls.length !== 1)
    fail(
      last,
      'one origin call for 100 reads of one cold product at once on one instance',
      // The count varies from run to run: it follows the failure, not its first line.
      `The origin got ${calls.length} calls.`,
    );
});

rubricTest(rubric, 'stampede-across-instances', async () => {
  for (let round = 1; round <= 3; round++) {
    const id = freshId(`stampede-all-${round}`);
    const last = await storm(
      id,
      200,
      (i) => i % 3,
      `200 reads of one cold product at once over three instances (round ${round} of 3)`,
    );
    const calls = await readsOf(id);
    if (calls.length !== 1)
      fail(
        last,
        `one origin call in all for 200 reads of one cold product at once over three instances (round ${round} of 3)`,
        `The origin got ${calls.length} calls.`,
      );
  }
});
