import { describe, expect, test } from 'vitest';
import { pool } from '../src/kit/pool.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('pool: bounded concurrency for hidden tests', () => {
  test('when tasks finish out of order, then results come back in index order with at most width in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await pool(12, 3, async (i) => {
      most = Math.max(most, ++inFlight);
      await sleep((12 - i) * 2);
      inFlight--;
      return i * 10;
    });
    expect(out).toEqual(Array.from({ length: 12 }, (_, i) => i * 10));
    expect(most).toBe(3);
  });

  test('when a later task fails first, then the failure of the lowest index is thrown and no new task starts', async () => {
    const started: number[] = [];
    const run = pool(50, 4, async (i) => {
      started.push(i);
      // Index 3 fails at once; index 1 fails later: the lower index must win.
      if (i === 3) throw new Error('three');
      if (i === 1) {
        await sleep(30);
        throw new Error('one');
      }
      await sleep(5);
      return i;
    });
    await expect(run).rejects.toThrow('one');
    expect(Math.max(...started)).toBeLessThan(10);
  });
});
