import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORIES, type GradeResult } from '../types.ts';
import { escapeMarkup as esc, plainDeep } from '../untrusted.ts';
import { readSimilarity } from './similarity.ts';

/** One leaderboard row. */
export interface LeaderboardRow {
  name: string;
  status: GradeResult['status'] | 'not graded';
  score: number;
  max: number;
  band: GradeResult['band'] | '';
  categories: Record<string, number>;
  seconds: number;
  seed: number | '';
  note: string;
  /**
   * Its most similar submission of the batch or an earlier cohort, how similar (0 to 1), and
   * whether that is at or above the batch's threshold.
   */
  similar?: { partner: string; similarity: number; flagged: boolean };
}

/**
 * The leaderboard of the reports under `out` (one folder per submission, as a batch writes, or
 * as a matrix of jobs' artifacts downloaded side by side): best score first.
 */
export function leaderboardRows(out: string): LeaderboardRow[] {
  const rows: LeaderboardRow[] = [];
  // A batch's comparison, when it ran: partners' names are the candidates' words, like theirs.
  const similarity = readSimilarity(out);
  const best = plainDeep(similarity?.best ?? {});
  for (const name of readdirSync(out).sort()) {
    const folder = join(out, name);
    if (name.startsWith('.') || !lstatSync(folder).isDirectory()) continue;
    const file = join(folder, 'results.json');
    if (existsSync(file)) {
      const r = JSON.parse(readFileSync(file, 'utf8')) as GradeResult;
      // Reports from elsewhere (merged artifacts) and folder names are data, like a candidate's output.
      rows.push(
        plainDeep({
          name,
          status: r.status,
          score: r.score,
          max: r.max_score,
          band: r.band,
          categories: Object.fromEntries(r.categories.map((c) => [c.name, c.score])),
          seconds: r.execution_time,
          seed: r.seed,
          note: r.status === 'error' ? (r.reason ?? '') : r.candidate.verdicts.join(' '),
        }),
      );
      const closest = best[name];
      if (closest && similarity)
        rows.at(-1)!.similar = { ...closest, flagged: closest.similarity >= similarity.threshold };
    } else if (existsSync(join(folder, 'error.txt'))) {
      const note = readFileSync(join(folder, 'error.txt'), 'utf8').trim();
      rows.push(
        plainDeep({
          name,
          status: 'not graded',
          score: 0,
          max: 0,
          band: '',
          categories: {},
          seconds: 0,
          seed: '',
          note,
        }),
      );
    }
  }
  return rows.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
}

const csvCell = (v: string | number): string => {
  const s = String(v);
  // A leading =, +, - or @ would run as a formula in a spreadsheet: candidate names are untrusted.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The leaderboard as CSV. */
export function leaderboardCsv(rows: LeaderboardRow[]): string {
  const head = [
    'rank',
    'submission',
    'score',
    'max',
    'band',
    'status',
    ...CATEGORIES,
    'seconds',
    'seed',
    'most_similar',
    'similarity',
    'note',
  ];
  const lines = rows.map((r, i) =>
    [
      i + 1,
      r.name,
      r.score,
      r.max,
      r.band,
      r.status,
      ...CATEGORIES.map((c) => r.categories[c] ?? ''),
      r.seconds,
      r.seed,
      r.similar?.partner ?? '',
      r.similar ? r.similar.similarity.toFixed(2) : '',
      r.note,
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

/** How similar a row is to its closest partner: high ones link to the pair on similarity.html. */
function similarCell(s: LeaderboardRow['similar']): string {
  if (!s) return '<td data-v="-1">–</td>';
  const text = `${Math.round(s.similarity * 100)}% ${esc(s.partner)}`;
  return `<td data-v="${s.similarity}" class="${s.flagged ? 'similar' : ''}">${
    s.flagged ? `<a href="similarity.html">${text}</a>` : text
  }</td>`;
}

/** The leaderboard as one self-contained page whose columns sort on a click. */
export function leaderboardHtml(rows: LeaderboardRow[], title: string): string {
  const cols = ['rank', 'submission', 'score', 'band', ...CATEGORIES, 'seconds', 'most similar', 'note'];
  const body = rows
    .map((r, i) => {
      const cells = [
        `<td data-v="${i + 1}">${i + 1}</td>`,
        `<td data-v="${esc(r.name)}"><a href="${encodeURIComponent(r.name)}/report.html">${esc(r.name)}</a></td>`,
        `<td data-v="${r.score}">${r.score} / ${r.max}</td>`,
        `<td data-v="${esc(r.band || r.status)}">${esc(r.band || r.status)}</td>`,
        ...CATEGORIES.map((c) => `<td data-v="${r.categories[c] ?? -1}">${r.categories[c] ?? '–'}</td>`),
        `<td data-v="${r.seconds}">${r.seconds}</td>`,
        similarCell(r.similar),
        `<td data-v="${esc(r.note)}">${esc(r.note)}</td>`,
      ];
      return `<tr class="${r.status === 'graded' ? '' : 'error'}">${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}th{cursor:pointer;background:#f3f3f3;user-select:none}th[aria-sort=descending]::after{content:" ▼"}th[aria-sort=ascending]::after{content:" ▲"}tr.error td{color:#b71c1c}td.similar{background:#fff3cd}</style>
</head><body><h1>${esc(title)}</h1><p>${rows.length} submission(s). Click a column to sort by it.</p>
<table id="board"><thead><tr>${cols.map((c) => `<th>${c}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table>
<script>
// Sort by the clicked column; numbers as numbers, a second click reverses.
document.querySelectorAll('#board th').forEach((th, i) => th.addEventListener('click', () => {
  const desc = th.getAttribute('aria-sort') !== 'descending';
  document.querySelectorAll('#board th').forEach((h) => h.removeAttribute('aria-sort'));
  th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
  const tbody = document.querySelector('#board tbody');
  const val = (tr) => tr.children[i].dataset.v;
  const rows = [...tbody.rows].sort((a, b) => {
    const x = val(a), y = val(b), nx = Number(x), ny = Number(y);
    const c = x !== '' && y !== '' && !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
    return desc ? -c : c;
  });
  tbody.append(...rows);
}));
</script></body></html>
`;
}

/** Write leaderboard.csv and leaderboard.html from the reports under `out`. */
export function writeLeaderboard(out: string, title = 'Leaderboard'): LeaderboardRow[] {
  const rows = leaderboardRows(out);
  writeFileSync(join(out, 'leaderboard.csv'), leaderboardCsv(rows));
  writeFileSync(join(out, 'leaderboard.html'), leaderboardHtml(rows, title));
  return rows;
}
