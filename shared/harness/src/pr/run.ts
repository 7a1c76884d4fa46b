import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { grade } from '../grade.ts';
import { toMarkdown, writeOutputs } from '../report/formats.ts';
import type { GradeResult } from '../types.ts';
import { type PrComments, upsertComment } from './github.ts';
import { type PickedSubmission, pickSubmission } from './pick.ts';

/** Options of grading one pull request. */
export interface PrGradeOptions {
  /** The trusted checkout whose graders judge: the base branch, or the private grader repository. */
  base: string;
  /** The pull request's checkout: only ever the submission. */
  head: string;
  out: string;
  seed?: number;
  minScore?: number;
  /** A file to append the comment to (`$GITHUB_STEP_SUMMARY`). */
  summaryFile?: string;
  /** Where the run's artifacts are, linked from the comment. */
  runUrl?: string;
  /** Print the live view. */
  live?: boolean;
}

/** What `pr grade` leaves in `--out` beside the reports, for `pr comment` to post. */
interface PrRecord {
  challenge: string;
  path: string;
  marker: string;
  passed: boolean;
}

const short = (c: string | null): string => (c ? c.slice(0, 12) : 'not a git checkout');

/** The hidden marker that identifies this PR's grading comment for one submission. */
export const markerFor = (p: Pick<PickedSubmission, 'challenge' | 'path'>): string =>
  `<!-- backend-challenges grade: ${p.challenge} ${p.path} -->`;

/** The PR comment: the report, the check's verdict, and which grader judged which commit. */
export function renderComment(
  r: GradeResult,
  p: Pick<PickedSubmission, 'path'>,
  o: { minScore?: number; runUrl?: string },
): string {
  const verdict =
    o.minScore === undefined
      ? ''
      : r.score >= o.minScore
        ? `✅ **Passes** the minimum score of ${o.minScore}.`
        : `❌ **Below** the minimum score of ${o.minScore}: the check fails.`;
  const g = r.provenance.grader;
  const lines = [
    toMarkdown(r).trimEnd(),
    '',
    verdict,
    '',
    `Submission \`${p.path}\` at ${short(r.provenance.submission.commit)} · graded by the base's grader at ${short(g.commit)}${g.dirty ? ' (uncommitted changes)' : ''}, suite sha256 \`${g.suiteSha256.slice(0, 16)}\``,
    o.runUrl ? `Full reports (results.json, report.html): ${o.runUrl}` : '',
  ];
  return `${lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n')}\n`;
}

/**
 * Grade a pull request: pick its submission in the head checkout, grade it with the base
 * checkout's grader (never the head's: editing tests in the PR changes nothing), write the
 * reports and the comment into `out`, and append the comment to the job summary.
 */
export async function gradePullRequest(o: PrGradeOptions): Promise<{
  picked: PickedSubmission;
  result: GradeResult;
  passed: boolean;
  comment: string;
}> {
  const base = resolve(o.base);
  const picked = pickSubmission(base, resolve(o.head));
  const result = await grade({
    challenge: picked.challenge,
    submission: picked.dir,
    graderDir: join(base, 'graders', picked.challenge),
    seed: o.seed,
    live: o.live,
  });
  const out = resolve(o.out);
  writeOutputs(result, out);
  const comment = renderComment(result, picked, o);
  const passed = o.minScore === undefined || result.score >= o.minScore;
  writeFileSync(join(out, 'comment.md'), comment);
  const record: PrRecord = {
    challenge: picked.challenge,
    path: picked.path,
    marker: markerFor(picked),
    passed,
  };
  writeFileSync(join(out, 'pr.json'), `${JSON.stringify(record, null, 2)}\n`);
  if (o.summaryFile) appendFileSync(o.summaryFile, comment);
  return { picked, result, passed, comment };
}

/** Post (or update) the comment a `gradePullRequest` run left in `out`. */
export async function postComment(out: string, comments: PrComments) {
  const record = JSON.parse(readFileSync(join(out, 'pr.json'), 'utf8')) as PrRecord;
  return upsertComment(comments, record.marker, readFileSync(join(out, 'comment.md'), 'utf8'));
}
