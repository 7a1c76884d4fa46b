import { setTimeout as sleep } from 'node:timers/promises';
import { api, type Exchange, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import type { OriginState } from '../stubs/origin.ts';
import { freshId, origin, settings } from './steps/cache.ts';

// A file of its own: the origin's in-flight peak is reset before every file, and nothing else
// calls the origin meanwhile.
rubricTest(rubric, 'origin-concurrency-limit', async () => {
  const { maxConcurrency } = settings();
  // Enough distinct cold products to queue, few enough to be answered within 5 s at any limit.
  const n = maxConcurrency * 6;
  const all: Exchange[] = await Promise.all(
    Array.from({ length: n }, (_, i) => api(0).get(`/products/${freshId(`limit-${i}`)}`)),
  );
  for (const ex of all)
    if (ex.status !== 200) fail(ex, `200 for each of ${n} distinct products read at once on one instance`);
  await sleep(50);
  const { peakInFlight } = await origin().state<OriginState>();
  if (peakInFlight > maxConcurrency)
    fail(
      all.at(-1)!,
      `at most ORIGIN_MAX_CONCURRENCY (${maxConcurrency}) origin calls in flight from one instance; the origin had ${peakInFlight} at once`,
    );
});
