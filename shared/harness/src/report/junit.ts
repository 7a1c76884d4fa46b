import type { GradeResult } from '../types.ts';
import { escapeMarkup as esc } from '../untrusted.ts';

/** JUnit XML, one testsuite per category, for CI systems that render it. */
export function toJunit(r: GradeResult): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = r.tests.filter((t) => t.status === 'failed').length;
  lines.push(
    `<testsuites name="${esc(r.challenge)}" tests="${r.tests.length}" failures="${failures}" time="${r.execution_time}">`,
  );
  if (r.status === 'error') {
    lines.push(`  <testsuite name="grading" tests="1" failures="0" errors="1">`);
    lines.push(`    <testcase name="grading" classname="${esc(r.challenge)}">`);
    lines.push(`      <error message="${esc(r.reason ?? '')}">${esc(r.candidate.outputTail)}</error>`);
    lines.push('    </testcase>', '  </testsuite>');
  }
  for (const c of r.categories) {
    const tests = r.tests.filter((t) => t.tags[0] === c.name);
    if (r.status === 'error') continue;
    lines.push(
      `  <testsuite name="${c.name}" tests="${tests.length}" failures="${tests.filter((t) => t.status === 'failed').length}">`,
    );
    for (const t of tests) {
      lines.push(
        `    <testcase name="${esc(t.name)}" classname="${esc(`${r.challenge}.${c.name}`)}" time="${(t.duration_ms / 1000).toFixed(3)}">`,
      );
      if (t.status === 'failed') {
        lines.push(
          `      <failure message="${esc(`${t.score}/${t.max_score} points`)}">${esc([t.output, t.hint && `Hint: ${t.hint}`].filter(Boolean).join('\n\n'))}</failure>`,
        );
      }
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
