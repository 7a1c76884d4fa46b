import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { grade } from '../src/grade.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('the grader prepare hook', () => {
  test('when a grader prepares data, then it is in the database before the instances start, from the run seed (its smaller set when asked), and its whileStarting hook runs until they are healthy', async () => {
    const gradeWith = (small: boolean) =>
      grade({
        challenge: 'prepared',
        submission: join(fixtures, 'env-echo'),
        graderDir: join(fixtures, 'grader-prepared'),
        seed: 21,
        ...(small ? { small } : {}),
      });
    const [r, small] = await Promise.all([gradeWith(false), gradeWith(true)]);
    const t = r.tests.find((x) => x.id === 'prepared-data')!;
    expect(t.status, t.output).toBe('passed');
    expect(JSON.parse(t.output)).toEqual({ count: 1021, max: 1021, url: true, small: false });
    const s = small.tests.find((x) => x.id === 'prepared-data')!;
    expect(JSON.parse(s.output), s.output).toEqual({ count: 121, max: 121, url: true, small: true });
    // The whileStarting hook: it ran from before the start, and its stop came before the tests.
    const w = r.tests.find((x) => x.id === 'while-starting')!;
    expect(w.status, w.output).toBe('passed');
    expect(JSON.parse(w.output)).toEqual({ ticked: true, allThere: true, noneLater: true });
    const order = r.phases.map((p) => p.name);
    expect(order.indexOf('seed')).toBeGreaterThan(order.indexOf('provision'));
    expect(order.indexOf('seed')).toBeLessThan(order.indexOf('start'));
  });
});
