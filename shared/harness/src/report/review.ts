import { type FollowUps, pickQuestions } from '../follow-ups.ts';
import type { GradeResult } from '../types.ts';
import { escapeMarkup as esc } from '../untrusted.ts';
import { percent } from './score.ts';

const CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:900px;margin:2em auto;padding:0 1em;color:#222}
.private{background:#fff3e0;border:1px solid #ef6c00;padding:.5em 1em}
li{margin:.4em 0}.why{color:#555;font-size:13px}table{border-collapse:collapse}td,th{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}`;

/** One line per category: what the submission showed, and what it missed, by item title. */
function categoryLines(r: GradeResult): string {
  const rows = r.categories.map((c) => {
    const mine = r.tests.filter((t) => t.tags.includes(c.name));
    const showed = mine.filter((t) => t.score >= t.max_score).map((t) => t.name);
    const missed = mine.filter((t) => t.score < t.max_score).map((t) => t.name);
    const list = (xs: string[]) => (xs.length ? xs.map((x) => esc(x)).join('; ') : 'nothing');
    return `<tr data-category="${c.name}"><th>${c.name}<br><span class="why">${c.score} / ${c.max_score} (${percent(c.score, c.max_score)})</span></th><td><b>Showed:</b> ${list(showed)}<br><b>Missed:</b> ${list(missed)}</td></tr>`;
  });
  return `<table>${rows.join('')}</table>`;
}

/**
 * The reviewer's page (`review.html`): the interview's follow-up questions, drawn from what the
 * submission lost first, then its band's, and a line per category of what it showed and missed.
 * For the hiring team only: nothing a candidate reads (the PR comment, the job summary, the
 * candidate workflow's uploads, an export) carries it.
 */
export function toReview(r: GradeResult, f: FollowUps): string {
  const questions = pickQuestions(r, f).map((q) => {
    const why =
      'item' in q.from
        ? `it lost ${+q.from.lost.toFixed(2)} point(s) on “${esc(q.from.title)}”`
        : `its band is ${q.from.band}: towards the next level`;
    return `<li data-from="${'item' in q.from ? esc(q.from.item) : `band-${q.from.band}`}">${esc(q.question)}<br><span class="why">Because ${why}.</span></li>`;
  });
  const title = `${r.challenge}: interview follow-ups`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<p class="private" id="private"><b>For the reviewer only.</b> Do not share this page with the candidate: it names what the grader checks.</p>
<h1>${esc(title)}</h1>
<p id="score">${r.score} / ${r.max_score} (${percent(r.score, r.max_score)}), band ${r.band}. The candidate’s own report is <a href="report.html">report.html</a>.</p>
<section id="questions"><h2>Questions to ask</h2>${questions.length ? `<ol>${questions.join('')}</ol>` : '<p>None: this grader has no follow-up questions for this result.</p>'}</section>
<section id="summary"><h2>By category</h2>${categoryLines(r)}</section>
</body></html>
`;
}
