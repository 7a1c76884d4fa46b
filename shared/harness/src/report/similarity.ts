import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimilarityReport } from '../similarity.ts';
import { escapeMarkup as esc } from '../untrusted.ts';

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/**
 * The pairs of a batch at or above the threshold, each with its matching fragments side by side.
 * For the hiring team: it says similar, never copied; a reviewer reads the fragments and decides.
 */
export function similarityHtml(r: SimilarityReport, title: string): string {
  const listed = r.pairs.filter((p) => p.similarity >= r.threshold);
  const pairs = listed
    .map((p, i) => {
      const fragments = p.fragments
        .map(
          (f) => `<div class="frag">
<div><h4>${esc(p.a)}: ${esc(f.a.file)} lines ${f.a.from}–${f.a.to}</h4><pre>${esc(f.a.text)}</pre></div>
<div><h4>${esc(p.b)}: ${esc(f.b.file)} lines ${f.b.from}–${f.b.to}</h4><pre>${esc(f.b.text)}</pre></div>
</div>`,
        )
        .join('\n');
      return `<section class="pair" id="pair-${i + 1}">
<h2>${esc(p.a)} and ${esc(p.b)}: ${pct(p.similarity)} similar</h2>
<p>${esc(p.languages.join(', '))}; ${p.fragments.length} longest matching fragment(s) shown.</p>
${fragments}
</section>`;
    })
    .join('\n');
  const none = `<p class="none">No pair is ${pct(r.threshold)} similar or more.</p>`;
  const notes = r.notes.length
    ? `<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:110rem}.frag{display:grid;grid-template-columns:1fr 1fr;gap:1rem;margin:1rem 0}pre{background:#f6f6f6;padding:.5rem;overflow-x:auto;font-size:12px;max-height:30rem}h4{margin:.2rem 0;font-weight:600}.pair{border-top:2px solid #ccc;margin-top:2rem}.about{color:#444}</style>
</head><body><h1>${esc(title)}</h1>
<p class="about">Pairs of submissions that share ${pct(r.threshold)} or more of their code, after leaving out
what every candidate was given (the starter and its tests). Similar code is a reason to look, not a
verdict: read the fragments, and ask the candidates about them. ${r.pairs.length} pair(s) compared
in ${r.seconds.toFixed(1)} s; ${listed.length} listed.</p>
${notes}
${listed.length ? pairs : none}
</body></html>
`;
}

/** Write similarity.json and similarity.html beside a batch's leaderboard. */
export function writeSimilarity(out: string, r: SimilarityReport, title: string): void {
  writeFileSync(join(out, 'similarity.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(out, 'similarity.html'), similarityHtml(r, title));
}

/**
 * Each submission's most similar partner, and the threshold they were judged at, from a batch's
 * similarity.json (null before one ran).
 */
export function readSimilarity(out: string): Pick<SimilarityReport, 'best' | 'threshold'> | null {
  const file = join(out, 'similarity.json');
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8')) as SimilarityReport;
  return { best: r.best ?? {}, threshold: r.threshold };
}
