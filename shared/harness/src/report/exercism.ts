import type { GradeResult } from '../types.ts';

/**
 * Exercism test-runner interface, version 2 (https://exercism.org/docs/building/tooling/test-runners/interface):
 * per-test results with the required `test_code`, which here states the behaviour graded (hidden
 * tests are never shown). Not version 3: tests are not linked to numbered tasks.
 */
export function toExercism(r: GradeResult): object {
  if (r.status === 'error') {
    return {
      version: 2,
      status: 'error',
      message: `${r.reason ?? 'Could not be graded.'}\n\n${r.candidate.outputTail}`.trim(),
    };
  }
  return {
    version: 2,
    status: r.tests.every((t) => t.status === 'passed') ? 'pass' : 'fail',
    tests: r.tests.map((t) => ({
      name: t.name,
      test_code: `${t.tags[0]}: ${t.name} (${t.max_score} points)`,
      status: t.status === 'passed' ? 'pass' : 'fail',
      ...(t.status === 'passed'
        ? {}
        : { message: [t.output, t.hint && `Hint: ${t.hint}`].filter(Boolean).join('\n\n') }),
      ...(t.status === 'passed' && t.output ? { output: t.output } : {}),
    })),
  };
}
