import type { TestOutcome } from '../runner/vitest.ts';
import type { GradeResult, RubricItem } from '../types.ts';

const tty = process.stderr.isTTY;
const c = (code: number, s: string): string => (tty ? `\u001b[${code}m${s}\u001b[0m` : s);

/** Live view: one line per finished rubric item, with its category's running tally. */
export function progressPrinter(rubric: readonly RubricItem[]): (item: RubricItem, o: TestOutcome) => void {
  const totals = new Map<string, { done: number; of: number; points: number; max: number }>();
  for (const r of rubric) {
    const t = totals.get(r.category) ?? { done: 0, of: 0, points: 0, max: 0 };
    t.of++;
    t.max += r.points;
    totals.set(r.category, t);
  }
  return (item, o) => {
    const t = totals.get(item.category)!;
    t.done++;
    const got = o.state === 'passed' ? (o.awarded ?? item.points) : 0;
    t.points += got;
    const mark = got >= item.points ? c(32, '✓') : got > 0 ? c(33, '◐') : c(31, '✗');
    process.stderr.write(
      `  ${mark} ${item.category.padEnd(12)} ${String(t.done).padStart(2)}/${t.of}  ${item.title} ${c(2, `(${Math.round(got * 10) / 10}/${item.points})`)}\n`,
    );
  };
}

/** What was detected and what ran, one phase a row of label and value (every format's first lines). */
export function runtimeRows(r: GradeResult): [string, string][] {
  const rt = r.runtime;
  if (!rt) return [];
  return [
    ['language', `${rt.language} (from ${rt.chosen_by || '?'}), ${rt.toolchain}`],
    ['install', rt.install || 'not reached'],
    ['build', rt.build ?? 'none'],
    ['start', rt.start || 'not reached'],
    ...(rt.baselines ? [['performance baselines', rt.baselines] as [string, string]] : []),
  ];
}

/** Final summary table for the terminal. */
export function summaryTable(r: GradeResult, outDir: string): string {
  const lines: string[] = [''];
  if (r.sandbox.isolation !== 'isolated') lines.push(c(31, `  ! ${r.sandbox.isolation}`));
  lines.push(...runtimeRows(r).map(([k, v]) => c(2, `  ${k}: ${v}`)));
  if (r.status === 'error') {
    lines.push(c(31, `✗ ${r.challenge}: could not be graded`), `  ${r.reason ?? ''}`);
    if (r.candidate.outputTail)
      lines.push(
        '',
        c(
          2,
          r.candidate.outputTail
            .split('\n')
            .map((l) => `  │ ${l}`)
            .join('\n'),
        ),
      );
  }
  lines.push('', `  ${'category'.padEnd(14)} ${'score'.padStart(12)}`);
  for (const cat of r.categories) {
    const ok = cat.score >= cat.max_score;
    lines.push(
      `  ${cat.name.padEnd(14)} ${`${cat.score} / ${cat.max_score}`.padStart(12)} ${ok ? c(32, '✓') : ''}`,
    );
  }
  lines.push(`  ${'total'.padEnd(14)} ${`${r.score} / ${r.max_score}`.padStart(12)}   band: ${r.band}`);
  if (r.skipped.length) lines.push(c(2, `  ${r.skipped.length} item(s) not graded (--only)`));
  for (const v of r.candidate.verdicts) lines.push(c(33, `  ! ${v}`));
  if (r.sandbox.note) lines.push(c(33, `  ! ${r.sandbox.note}`));
  const phases = r.phases.map((p) => `${p.name} ${(p.ms / 1000).toFixed(1)}s`).join(' · ');
  lines.push(
    '',
    c(2, `  seed ${r.seed} · ${r.execution_time}s (${phases})`),
    c(2, `  reports in ${outDir}`),
    '',
  );
  return lines.join('\n');
}
