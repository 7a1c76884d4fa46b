import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GradeResult } from '../types.ts';
import { escapeHtml as html } from '../untrusted.ts';
import { toHtml } from './html.ts';

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

const xml = (s: string): string =>
  s
    .replace(
      /[<>&"']/g,
      (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
    )
    .replace(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g,
      '',
    );

/** JUnit XML, one testsuite per category, for CI systems that render it. */
export function toJunit(r: GradeResult): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = r.tests.filter((t) => t.status === 'failed').length;
  lines.push(
    `<testsuites name="${xml(r.challenge)}" tests="${r.tests.length}" failures="${failures}" time="${r.execution_time}">`,
  );
  if (r.status === 'error') {
    lines.push(`  <testsuite name="grading" tests="1" failures="0" errors="1">`);
    lines.push(`    <testcase name="grading" classname="${xml(r.challenge)}">`);
    lines.push(`      <error message="${xml(r.reason ?? '')}">${xml(r.candidate.outputTail)}</error>`);
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
        `    <testcase name="${xml(t.name)}" classname="${xml(`${r.challenge}.${c.name}`)}" time="${(t.duration_ms / 1000).toFixed(3)}">`,
      );
      if (t.status === 'failed') {
        lines.push(
          `      <failure message="${xml(`${t.score}/${t.max_score} points`)}">${xml([t.output, t.hint && `Hint: ${t.hint}`].filter(Boolean).join('\n\n'))}</failure>`,
        );
      }
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

const pct = (s: number, m: number): string => (m ? `${Math.round((100 * s) / m)}%` : '–');

/**
 * A fenced block that `text` cannot close: its fence is longer than any run of backticks in it, so
 * a candidate's output never ends the block and writes markdown of its own (a forged heading).
 */
export function mdFence(text: string): string[] {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [fence, text, fence];
}

/** One line of markdown text from `s`, which may carry a candidate's words: no newline, no markup. */
export const mdInline = (s: string): string =>
  html(s.replace(/\s*\n\s*/g, ' ')).replace(/[\\`*_[\]|~]/g, '\\$&');

/** Markdown ready to post as a PR comment. */
export function toMarkdown(r: GradeResult): string {
  const out: string[] = [];
  out.push(
    `## ${r.challenge}: ${r.score} / ${r.max_score} (${pct(r.score, r.max_score)}) · band: **${r.band}**`,
    '',
    `Isolation: ${r.sandbox.isolation === 'isolated' ? 'isolated' : `**${mdInline(r.sandbox.isolation)}**`}`,
    '',
  );
  if (r.status === 'error') {
    out.push(`**Could not be graded.** ${mdInline(r.reason ?? '')}`, '');
    if (r.candidate.outputTail) out.push('Last lines of output:', '', ...mdFence(r.candidate.outputTail), '');
  }
  out.push('| category | score |', '|---|---|');
  for (const c of r.categories)
    out.push(`| ${c.name} | ${c.score} / ${c.max_score} (${pct(c.score, c.max_score)}) |`);
  out.push('');
  const failed = r.tests.filter((t) => t.status === 'failed');
  if (r.status === 'graded') {
    out.push(failed.length ? '### What lost points' : '### Every rubric item passed', '');
    for (const t of failed) {
      out.push(
        `<details><summary>✗ <b>${html(t.name)}</b> — ${t.score}/${t.max_score} (${t.tags[0]})</summary>`,
        '',
      );
      out.push(...mdFence(t.output || '(no output)'));
      if (t.measured?.length) out.push('', `Measured: ${mdInline(t.measured.join('; '))}`);
      if (t.hint) out.push('', `Hint: ${t.hint}`);
      out.push('', '</details>', '');
    }
  }
  if (r.skipped.length) {
    out.push(
      `### Not graded in this run (--only): ${r.skipped.length} item(s)`,
      '',
      ...r.skipped.map((t) => `- ${html(t.name)}`),
      '',
    );
  }
  if (r.candidate.verdicts.length) {
    out.push('### What the harness saw', '', ...r.candidate.verdicts.map((v) => `- ${mdInline(v)}`), '');
  }
  const sb = r.sandbox;
  out.push(
    '---',
    mdInline(
      `seed ${r.seed} · ${r.execution_time}s · sandbox: ${sb.mode}, network ${sb.network}, user ${sb.user}${sb.note ? ` (${sb.note})` : ''} · services: ${Object.values(r.services).join('; ')}`,
    ),
    '',
  );
  return out.join('\n');
}

/** Write results.json, exercism.json, junit.xml, report.md and report.html into `outDir`. */
export function writeOutputs(r: GradeResult, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(outDir, 'exercism.json'), `${JSON.stringify(toExercism(r), null, 2)}\n`);
  writeFileSync(join(outDir, 'junit.xml'), toJunit(r));
  writeFileSync(join(outDir, 'report.md'), toMarkdown(r));
  writeFileSync(join(outDir, 'report.html'), toHtml(r));
}
