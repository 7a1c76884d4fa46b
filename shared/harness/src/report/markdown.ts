import type { GradeResult } from '../types.ts';
import { escapeMarkup as esc } from '../untrusted.ts';
import { percent } from './score.ts';
import { runtimeRows } from './terminal.ts';

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
  esc(s.replace(/\s*\n\s*/g, ' ')).replace(/[\\`*_[\]|~]/g, '\\$&');

/** Markdown ready to post as a PR comment. */
export function toMarkdown(r: GradeResult): string {
  const out: string[] = [];
  out.push(
    `## ${r.challenge}: ${r.score} / ${r.max_score} (${percent(r.score, r.max_score)}) · band: **${r.band}**`,
    '',
    `Isolation: ${r.sandbox.isolation === 'isolated' ? 'isolated' : `**${mdInline(r.sandbox.isolation)}**`}`,
    '',
    ...runtimeRows(r).map(([k, v]) => `${mdInline(`${k}: ${v}`)}  `),
    '',
  );
  if (r.status === 'error') {
    out.push(`**Could not be graded.** ${mdInline(r.reason ?? '')}`, '');
    if (r.candidate.outputTail) out.push('Last lines of output:', '', ...mdFence(r.candidate.outputTail), '');
  }
  out.push('| category | score |', '|---|---|');
  for (const c of r.categories)
    out.push(`| ${c.name} | ${c.score} / ${c.max_score} (${percent(c.score, c.max_score)}) |`);
  out.push('');
  const failed = r.tests.filter((t) => t.status === 'failed');
  if (r.status === 'graded') {
    out.push(failed.length ? '### What lost points' : '### Every rubric item passed', '');
    for (const t of failed) {
      out.push(
        `<details><summary>✗ <b>${esc(t.name)}</b> — ${t.score}/${t.max_score} (${t.tags[0]})</summary>`,
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
      ...r.skipped.map((t) => `- ${esc(t.name)}`),
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
