import { grade } from '@bc/harness';
import { describe, expect, test } from 'vitest';
import { referenceDir, starterDir } from './paths.ts';

const visibleGrader = new URL('./visible-grader', import.meta.url).pathname;

describe("the starter's visible tests", () => {
  test('when run against the reference, then they all pass', async () => {
    const r = await grade({
      challenge: 'paginated-api-visible',
      submission: referenceDir,
      graderDir: visibleGrader,
      seed: 8,
    });
    const t = r.tests[0]!;
    expect(t.status, t.output).toBe('passed');
    expect(t.output).toMatch(/Tests +4 passed/);
  });

  test('when run against the untouched starter, then they fail (they test the assignment, not the skeleton)', async () => {
    const r = await grade({
      challenge: 'paginated-api-visible',
      submission: starterDir,
      graderDir: visibleGrader,
      seed: 8,
    });
    expect(r.status).toBe('graded');
    expect(r.tests[0]!.status).toBe('failed');
    expect(r.tests[0]!.output).toMatch(/visible tests failed/);
  });
});
