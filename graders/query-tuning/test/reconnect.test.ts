import { setTimeout as sleep } from 'node:timers/promises';
import { api, control, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { declaredHung } from './steps/stats.ts';

/** README R10: back within 2 s of the database coming back, graded with 0.5 s of margin. */
const BACK_MS = 2_500;
const search = (i: number) => api(i).get('/products/search', { query: { q: 'a', limit: 1 } });

rubricTest(
  rubric,
  'db-reconnect',
  async () => {
    await control.fault('postgres', { mode: 'down' });
    // Requests while it is away: any error answer (not graded), so the pool notices.
    await Promise.all([search(0), search(1)]);
    await sleep(500);
    await control.fault('postgres', { mode: 'up' });
    const deadline = Date.now() + BACK_MS;
    for (const i of [0, 1]) {
      for (;;) {
        const ex = await search(i);
        if (ex.status === 200) break;
        // One declared hung fails every request at once until the grading restarts it.
        if (Date.now() > deadline || (await declaredHung(i)))
          fail(
            ex,
            `200 from instance ${'ab'[i]} within ${BACK_MS / 1000} s of the database coming back (R10: 2 s, and 0.5 s of margin)`,
          );
        await sleep(100);
      }
    }
  },
  { timeout: 30_000 },
);
