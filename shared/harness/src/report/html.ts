import type { CategoryScore, GradeResult, LoadRound, TestResult } from '../types.ts';
import { escapeMarkup as esc } from '../untrusted.ts';
import { percent } from './score.ts';
import { runtimeRows } from './terminal.ts';

const BAND_TEXT: Record<GradeResult['band'], string> = {
  none: 'no band: no category reached 80 %',
  junior: 'junior',
  mid: 'mid',
  senior: 'senior',
  unrated: 'unrated (only part of the rubric was graded)',
};

/** Points per category as horizontal bars (inline SVG: the report must work offline). */
function categoryChart(cats: CategoryScore[]): string {
  const rowH = 28;
  const barX = 120;
  const barW = 360;
  const h = cats.length * rowH + 8;
  const rows = cats.map((c, i) => {
    const y = 4 + i * rowH;
    const share = c.max_score ? c.score / c.max_score : 0;
    const colour = share >= 0.8 ? '#2e7d32' : share > 0 ? '#ef6c00' : '#c62828';
    return [
      `<g data-category="${c.name}">`,
      `<text x="0" y="${y + 17}" class="lbl">${c.name}</text>`,
      `<rect x="${barX}" y="${y + 4}" width="${barW}" height="18" class="track"/>`,
      `<rect x="${barX}" y="${y + 4}" width="${(barW * share).toFixed(1)}" height="18" fill="${colour}"/>`,
      `<line x1="${barX + barW * 0.8}" x2="${barX + barW * 0.8}" y1="${y + 2}" y2="${y + 24}" class="pass"/>`,
      `<text x="${barX + barW + 8}" y="${y + 17}" class="val">${c.score} / ${c.max_score} (${percent(c.score, c.max_score)})</text>`,
      '</g>',
    ].join('');
  });
  return `<svg role="img" aria-label="points per category" viewBox="0 0 620 ${h}" width="620" height="${h}" class="chart">${rows.join('')}</svg>`;
}

/** One measure of every round, submission beside baseline, as grouped bars. */
function roundsPlot(rounds: LoadRound[], pick: 'rps' | 'p99', unit: string, title: string): string {
  const w = 300;
  const h = 150;
  const top = 22;
  const bottom = 20;
  // A round with no completed request has no latency (Infinity, or null once in JSON): drawn
  // full height, the worst, and said so.
  const finiteOr = (v: number | null): number | null =>
    typeof v === 'number' && Number.isFinite(v) ? v : null;
  const max = Math.max(
    ...rounds.flatMap((r) => [finiteOr(r.candidate[pick]) ?? 0, finiteOr(r.baseline[pick]) ?? 0]),
    1e-9,
  );
  const groupW = (w - 20) / rounds.length;
  const barW = Math.min(28, groupW / 2.5);
  const bars = rounds.flatMap((r, i) => {
    const x0 = 10 + i * groupW + groupW / 2 - barW;
    return (['baseline', 'candidate'] as const).map((side, j) => {
      const v = finiteOr(r[side][pick]);
      const bh = ((h - top - bottom) * (v ?? max)) / max;
      const shown = v === null ? 'no request completed' : `${v.toFixed(pick === 'rps' ? 0 : 2)} ${unit}`;
      const x = x0 + j * barW;
      return `<rect x="${x.toFixed(1)}" y="${(h - bottom - bh).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${bh.toFixed(1)}" class="${side}"><title>round ${i + 1}, ${side === 'candidate' ? 'submission' : 'baseline'}: ${shown}</title></rect>`;
    });
  });
  const labels = rounds.map(
    (_, i) =>
      `<text x="${(10 + i * groupW + groupW / 2).toFixed(1)}" y="${h - 5}" class="tick">round ${i + 1}</text>`,
  );
  return `<figure><svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" class="plot"><text x="4" y="14" class="ptitle">${esc(title)} (max ${max.toFixed(pick === 'rps' ? 0 : 2)} ${unit})</text><line x1="8" x2="${w - 8}" y1="${h - bottom}" y2="${h - bottom}" class="axis"/>${bars.join('')}${labels.join('')}</svg></figure>`;
}

function perfSection(tests: TestResult[]): string {
  // Two items (throughput, p99) usually share one comparison: plot each distinct one once.
  const seen = new Set<string>();
  const blocks: string[] = [];
  for (const t of tests) {
    if (!t.rounds?.length) continue;
    const key = JSON.stringify(t.rounds);
    if (seen.has(key)) continue;
    seen.add(key);
    const names = tests.filter((o) => JSON.stringify(o.rounds) === key).map((o) => o.name);
    blocks.push(
      `<div class="perf" data-slug="${esc(t.id)}"><h3>${names.map(esc).join(' · ')}</h3>`,
      roundsPlot(t.rounds, 'rps', 'per s', 'throughput per round'),
      roundsPlot(t.rounds, 'p99', 'ms', 'p99 latency per round'),
      '</div>',
    );
  }
  if (!blocks.length) return '';
  return `<section id="performance"><h2>Load rounds</h2><p class="legend"><span class="sw baseline"></span> baseline, measured in the same run <span class="sw candidate"></span> submission</p>${blocks.join('')}</section>`;
}

function itemRow(t: TestResult): string {
  const status = t.status === 'passed' ? 'passed' : t.score > 0 ? 'partial' : 'failed';
  const mark = { passed: '✓', partial: '◐', failed: '✗' }[status];
  const details = [
    t.output ? `<pre>${esc(t.output)}</pre>` : '',
    t.measured?.length ? `<p class="measured">Measured: ${t.measured.map(esc).join('; ')}</p>` : '',
    t.hint ? `<p class="hint">Hint: ${esc(t.hint)}</p>` : '',
  ].join('');
  return `<tr class="item ${status}" data-slug="${esc(t.id)}"><td class="st" title="${status}">${mark}</td><td>${esc(t.name)}<div class="vis">${t.visibility}</div>${details}</td><td class="pts">${t.score} / ${t.max_score}</td></tr>`;
}

function itemsSection(r: GradeResult): string {
  const groups = r.categories.map((c) => {
    const rows = r.tests.filter((t) => t.tags[0] === c.name).map(itemRow);
    return `<tbody data-category="${c.name}"><tr class="cat"><th colspan="2">${c.name}</th><th class="pts">${c.score} / ${c.max_score}</th></tr>${rows.join('')}</tbody>`;
  });
  const skipped = r.skipped.length
    ? `<p>Not graded in this run (--only): ${r.skipped.map((s) => esc(s.name)).join(', ')}</p>`
    : '';
  return `<section id="items"><h2>Rubric items</h2><table class="items"><thead><tr><th></th><th>item</th><th class="pts">points</th></tr></thead>${groups.join('')}</table>${skipped}</section>`;
}

const short = (c: string | null): string => (c ? c.slice(0, 12) : 'not a git checkout');

function runSection(r: GradeResult): string {
  const sb = r.sandbox;
  const p = r.provenance;
  const rows: [string, string][] = [
    ...runtimeRows(r),
    ['seed', String(r.seed)],
    [
      'grading time',
      `${r.execution_time} s (${r.phases.map((ph) => `${ph.name} ${(ph.ms / 1000).toFixed(1)} s`).join(', ')})`,
    ],
    [
      'sandbox',
      `${sb.mode}, network ${sb.network}, filesystem ${sb.filesystem}, ${sb.user}; limits ${sb.limits.memoryMb} MB, ${sb.limits.pids} tasks (${sb.limits.enforcedBy.join(', ')})${sb.note ? `; ${sb.note}` : ''}`,
    ],
    [
      'services',
      Object.entries(r.services)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ') || 'none',
    ],
    [
      'grader',
      `commit ${short(p.grader.commit)}${p.grader.dirty ? ' (uncommitted changes)' : ''}, suite sha256 ${p.grader.suiteSha256.slice(0, 16)}…`,
    ],
    ['submission', `commit ${short(p.submission.commit)}`],
    ['versions', `harness ${r.harness.version}, Node ${r.harness.node}`],
  ];
  return `<section id="run"><h2>The run</h2><table class="kv">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${esc(v)}</td></tr>`).join('')}</table></section>`;
}

function candidateSection(r: GradeResult): string {
  const verdicts = r.candidate.verdicts.length
    ? `<ul class="verdicts">${r.candidate.verdicts.map((v) => `<li>${esc(v)}</li>`).join('')}</ul>`
    : '<p>No verdicts: the submission started, ran and stopped as asked.</p>';
  const log = r.candidate.outputTail
    ? `<pre class="log">${esc(r.candidate.outputTail)}</pre>`
    : '<p>The submission printed nothing.</p>';
  return `<section id="candidate"><h2>What the harness saw</h2>${verdicts}<h3>Last lines of the submission's output</h3>${log}</section>`;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:980px;color:#1b1b1b;padding:0 1rem}
h1{font-size:1.5rem;margin:0}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd}
h3{font-size:1rem;margin:.8rem 0 .3rem}
.score{font-size:2.4rem;font-weight:700}.band{display:inline-block;padding:.1rem .6rem;border-radius:1rem;background:#e3e8f4;margin-left:.6rem}
.error{background:#fdecea;border:1px solid #c62828;padding:.6rem 1rem;border-radius:4px}
.unsafe{color:#c62828}
.chart .lbl,.chart .val{font-size:13px}.chart .track{fill:#eee}.chart .pass{stroke:#555;stroke-dasharray:2 2}
table.items{border-collapse:collapse;width:100%}table.items td,table.items th{padding:.35rem .5rem;vertical-align:top;text-align:left}
tr.cat th{background:#f3f3f3;text-transform:capitalize}td.pts,th.pts{text-align:right;white-space:nowrap}
tr.item{border-bottom:1px solid #eee}td.st{width:1.5rem;font-weight:700}
tr.passed td.st{color:#2e7d32}tr.partial td.st{color:#ef6c00}tr.failed td.st{color:#c62828}
.vis{font-size:11px;color:#777}pre{background:#f7f7f7;padding:.5rem;overflow-x:auto;white-space:pre-wrap;margin:.3rem 0}
.hint{color:#37474f;font-style:italic;margin:.2rem 0}.measured{color:#555;margin:.2rem 0}
.perf{display:inline-block;vertical-align:top;margin-right:1rem}.perf figure{display:inline-block;margin:0 .5rem 0 0}
.plot .baseline,.sw.baseline{fill:#90a4ae;background:#90a4ae}.plot .candidate,.sw.candidate{fill:#1565c0;background:#1565c0}
.plot .tick,.plot .ptitle{font-size:11px;text-anchor:start}.plot .tick{text-anchor:middle}.plot .axis{stroke:#999}
.sw{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 .8rem;vertical-align:middle}
table.kv th{text-align:left;padding-right:1rem;vertical-align:top;white-space:nowrap}pre.log{max-height:24rem}
`;

/**
 * The reviewer's report: one self-contained HTML page (inline CSS and SVG, no script, no
 * network) with the score and band, points per category, every item with its message and hint,
 * the load rounds plotted beside their baseline, the sandbox, services, log excerpt and versions.
 */
export function toHtml(r: GradeResult): string {
  const title = `${r.challenge}: ${r.score} / ${r.max_score}`;
  const error =
    r.status === 'error'
      ? `<p class="error" id="error"><b>Could not be graded.</b> ${esc(r.reason ?? '')}</p>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<header><h1>${esc(r.challenge)}</h1>
<p><span class="score" id="score">${r.score} / ${r.max_score}</span> (${percent(r.score, r.max_score)}) <span class="band" id="band">band: ${BAND_TEXT[r.band]}</span></p>
<p class="isolation" id="isolation">Isolation: ${r.sandbox.isolation === 'isolated' ? 'isolated' : `<b class="unsafe">${esc(r.sandbox.isolation)}</b>`}</p>
<p class="summary">${esc(r.output)}</p>${error}</header>
<section id="categories"><h2>Points per category</h2>${categoryChart(r.categories)}<p class="legend">The dashed line is 80 %, where a category counts towards a band.</p></section>
${itemsSection(r)}
${perfSection(r.tests)}
${candidateSection(r)}
${runSection(r)}
</body></html>
`;
}
