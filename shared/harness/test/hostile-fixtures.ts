import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type GradeOptions, grade } from '../src/grade.ts';
import { netnsAvailable, planSandbox } from '../src/supervisor/sandbox.ts';
import type { GradeResult } from '../src/types.ts';

/** The harness's hostile submissions and their two-item grader (hostile*.test.ts). */
export const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const graderDir = join(fixtures, 'grader-hostile');
export const sandboxed = planSandbox('auto').mode === 'bwrap' && netnsAvailable();

/**
 * A fork bomb needs CPU to reach the limit. Beside the suite's Docker containers, which run at
 * normal priority while the suite runs at nice 19, it once had not within the fixture's then 4 s
 * health window, and was only "never healthy". It ends at the limit, so a long window costs nothing.
 */
export const FORK_BOMB_WINDOW = { healthy: 45_000 };

export async function gradeFixture(
  name: string,
  timeoutOverrides?: GradeOptions['timeoutOverrides'],
  more: Pick<GradeOptions, 'startSlowdown'> = {},
): Promise<GradeResult> {
  const started = Date.now();
  const r = await grade({
    challenge: 'hostile',
    submission: join(fixtures, 'hostile', name),
    graderDir,
    seed: 1,
    ...(timeoutOverrides ? { timeoutOverrides } : {}),
    ...more,
  });
  // Every hostile submission must still end in bounded time with a verdict.
  expect(Date.now() - started).toBeLessThan(60_000);
  return r;
}

export const probe = (r: GradeResult): Record<string, unknown> => {
  const t = r.tests.find((x) => x.id === 'probe')!;
  expect(t.status, t.output).toBe('passed');
  return JSON.parse(t.output) as Record<string, unknown>;
};
