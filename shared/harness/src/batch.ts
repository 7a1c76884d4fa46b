import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { InterruptedError, UsageError } from './errors.ts';
import { type GradeOptions, grade } from './grade.ts';
import { graderDirFor } from './graders.ts';
import { hashTree, suiteHash } from './provenance.ts';
import { writeOutputs } from './report/formats.ts';
import { CATEGORIES, type GradeResult } from './types.ts';
import { escapeHtml as esc, plainDeep } from './untrusted.ts';

/** Options of grading a directory of submissions. */
export interface BatchOptions {
  challenge: string;
  /** A directory whose subdirectories are submissions (each named after its candidate). */
  dir: string;
  /** Each submission's reports go in `<out>/<name>/`, the leaderboard beside them. */
  out: string;
  /** Gradings at once (load measurements still run alone). */
  parallel: number;
  /** One seed for the whole batch, so every submission gets the same inputs. */
  seed: number;
  services?: GradeOptions['services'];
  sandbox?: GradeOptions['sandbox'];
  unsafe?: boolean;
  graderDir?: string;
  timeoutOverrides?: GradeOptions['timeoutOverrides'];
  /** Progress lines (the CLI's bar). */
  onEvent?: (e: BatchEvent) => void;
}

/** What the batch reports as it goes. */
export type BatchEvent =
  | { kind: 'start'; name: string; done: number; total: number; running: number }
  | { kind: 'done'; name: string; done: number; total: number; running: number; result: GradeResult }
  | { kind: 'resumed'; name: string; done: number; total: number }
  | { kind: 'failed'; name: string; done: number; total: number; running: number; message: string };

/** How one submission fared: graded now, kept from an earlier run, or not graded (why). */
export interface BatchEntry {
  name: string;
  state: 'graded' | 'resumed' | 'failed';
  message?: string;
}

/** What `<out>/<name>/batch.json` records: which inputs produced the reports beside it. */
interface BatchStamp {
  key: string;
  seed: number;
}

const SKIP = new Set(['node_modules', '.git', '.grade', 'dist', '.turbo']);

/** A hash of what decides a grading: the submission's files, the suite (its hash), the seed. */
function inputsKey(submission: string, suite: string, seed: number): string {
  const h = createHash('sha256').update(`seed ${seed}\0suite ${suite}\0`);
  return hashTree(h, submission, (n) => SKIP.has(n)).digest('hex');
}

/** The submissions of a batch directory: its subdirectories, by name. */
export function batchSubmissions(dir: string): { name: string; path: string }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`batch directory not found: ${dir}`);
  const subs = readdirSync(dir)
    .filter((n) => !n.startsWith('.') && lstatSync(join(dir, n)).isDirectory())
    .sort()
    .map((name) => ({ name, path: join(dir, name) }));
  if (!subs.length)
    throw new UsageError(`${dir} has no subdirectories: a batch is one directory per submission`);
  return subs;
}

/**
 * Grade every submission in `dir`, `parallel` at a time, each into its own report folder. A
 * submission that crashes, hangs or cannot be graded ends as its own row; the others go on.
 * Re-running skips submissions whose reports match their current files, suite and seed.
 */
export async function gradeBatch(o: BatchOptions): Promise<BatchEntry[]> {
  // Parallel runs would share the one Redis database REDIS_URL names (provision/registry.ts).
  if (o.services === 'env' && o.parallel > 1)
    throw new UsageError('--services env shares one Redis database between gradings: use --parallel 1');
  const graderDir = o.graderDir ? resolve(o.graderDir) : graderDirFor(o.challenge);
  const subs = batchSubmissions(resolve(o.dir));
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const lock = mkdtempSync(join(out, '.load-lock-'));
  const total = subs.length;
  const entries: BatchEntry[] = [];
  let done = 0;
  let running = 0;
  let interrupted: unknown = null;
  const queue: { name: string; path: string; key: string; folder: string }[] = [];
  const suite = suiteHash(graderDir);

  for (const s of subs) {
    const folder = join(out, s.name);
    const key = inputsKey(s.path, suite, o.seed);
    const stampFile = join(folder, 'batch.json');
    const stamp = existsSync(stampFile) ? (JSON.parse(readFileSync(stampFile, 'utf8')) as BatchStamp) : null;
    if (stamp?.key === key && existsSync(join(folder, 'results.json'))) {
      done++;
      entries.push({ name: s.name, state: 'resumed' });
      o.onEvent?.({ kind: 'resumed', name: s.name, done, total });
    } else {
      queue.push({ ...s, key, folder });
    }
  }

  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next && !interrupted; next = queue.shift()) {
      running++;
      o.onEvent?.({ kind: 'start', name: next.name, done, total, running });
      try {
        const result = await grade({
          challenge: o.challenge,
          submission: next.path,
          graderDir,
          seed: o.seed,
          services: o.services,
          sandbox: o.sandbox,
          unsafe: o.unsafe,
          timeoutOverrides: o.timeoutOverrides,
          loadLock: lock,
        });
        rmSync(next.folder, { recursive: true, force: true });
        writeOutputs(result, next.folder);
        writeFileSync(
          join(next.folder, 'batch.json'),
          `${JSON.stringify({ key: next.key, seed: o.seed })}\n`,
        );
        running--;
        done++;
        entries.push({ name: next.name, state: 'graded' });
        o.onEvent?.({ kind: 'done', name: next.name, done, total, running, result });
      } catch (e) {
        running--;
        if (e instanceof InterruptedError) {
          interrupted = e;
          return;
        }
        // Not the submission's fault (a usage or machine problem): no stamp, so a re-run retries it.
        done++;
        const message = (e as Error).message;
        mkdirSync(next.folder, { recursive: true });
        writeFileSync(join(next.folder, 'error.txt'), `${message}\n`);
        rmSync(join(next.folder, 'batch.json'), { force: true });
        entries.push({ name: next.name, state: 'failed', message });
        o.onEvent?.({ kind: 'failed', name: next.name, done, total, running, message });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.parallel) }, worker));
  } finally {
    rmSync(lock, { recursive: true, force: true });
    writeLeaderboard(out, `${o.challenge}: leaderboard`);
  }
  if (interrupted) throw interrupted;
  return entries;
}

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
}

/**
 * The leaderboard of the reports under `out` (one folder per submission, as a batch writes, or
 * as a matrix of jobs' artifacts downloaded side by side): best score first.
 */
export function leaderboardRows(out: string): LeaderboardRow[] {
  const rows: LeaderboardRow[] = [];
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
      r.note,
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

/** The leaderboard as one self-contained page whose columns sort on a click. */
export function leaderboardHtml(rows: LeaderboardRow[], title: string): string {
  const cols = ['rank', 'submission', 'score', 'band', ...CATEGORIES, 'seconds', 'note'];
  const body = rows
    .map((r, i) => {
      const cells = [
        `<td data-v="${i + 1}">${i + 1}</td>`,
        `<td data-v="${esc(r.name)}"><a href="${encodeURIComponent(r.name)}/report.html">${esc(r.name)}</a></td>`,
        `<td data-v="${r.score}">${r.score} / ${r.max}</td>`,
        `<td data-v="${esc(r.band || r.status)}">${esc(r.band || r.status)}</td>`,
        ...CATEGORIES.map((c) => `<td data-v="${r.categories[c] ?? -1}">${r.categories[c] ?? '–'}</td>`),
        `<td data-v="${r.seconds}">${r.seconds}</td>`,
        `<td data-v="${esc(r.note)}">${esc(r.note)}</td>`,
      ];
      return `<tr class="${r.status === 'graded' ? '' : 'error'}">${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}th{cursor:pointer;background:#f3f3f3;user-select:none}th[aria-sort=descending]::after{content:" ▼"}th[aria-sort=ascending]::after{content:" ▲"}tr.error td{color:#b71c1c}</style>
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
