import { ContractError, grading, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { ordersOf } from './steps/oracle.ts';
import { expectBody, ordersPage } from './steps/shop.ts';
import type { StartWrites } from './steps/start-writer.ts';

/** README R11: while the instances start, no write waits longer than 0.5 s. */
const BOUND_MS = 500;

rubricTest(rubric, 'writes-during-start', async ({ measure }) => {
  const w = grading().whileStarting as StartWrites | undefined;
  // The writer runs in every grading (grader.config.ts): without its findings the grader is broken.
  if (!w) throw new Error('query-tuning grader: no findings from the writer run while the instances started');
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  measure(
    `${w.writes} writes in ${s(w.durationMs)} while the instances started; the slowest took ${w.slowest.ms} ms, ${s(w.slowest.atMs)} after the first`,
  );
  if (w.errors.length)
    throw new ContractError(
      [
        'Expected: every order written straight into the tables while your instances started to be stored (R11)',
        `Got: ${w.errors.length === 3 ? 'at least ' : ''}${w.errors.length} failed, the first with: ${w.errors[0]}`,
      ].join('\n'),
    );
  if (w.slowest.ms > BOUND_MS)
    throw new ContractError(
      [
        `Expected: no write to the orders tables to wait longer than ${BOUND_MS} ms while your instances started (R11)`,
        `Got: one ${w.slowest.unfinished ? 'still waited after' : 'waited'} ${w.slowest.ms} ms, ${s(w.slowest.atMs)} after the first write${w.slowest.unfinished ? ', when every instance was already healthy' : ''}`,
        w.blockedBy.length
          ? `It waited for a lock held by: ${w.blockedBy.join(' | ')}`
          : 'Postgres named no statement holding the lock it waited for.',
        'CREATE INDEX without CONCURRENTLY, LOCK TABLE, or a long transaction that changes the tables blocks every write until it ends.',
      ].join('\n'),
    );
  // And they are served, by every instance: a start-up that lost them (a table copied from a
  // snapshot), or a service that never answers, does not keep the point for blocking nothing.
  const want = await ordersOf(w.customer, 5);
  for (const i of grading().instances.keys())
    expectBody(
      await ordersPage(i, w.customer, { limit: 5 }),
      'data',
      want,
      `customer ${w.customer}'s newest orders, written while your instances started (R11)`,
    );
});
