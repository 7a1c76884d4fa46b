import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FollowUps } from '../follow-ups.ts';
import type { GradeResult } from '../types.ts';
import { toExercism } from './exercism.ts';
import { toHtml } from './html.ts';
import { toJunit } from './junit.ts';
import { toMarkdown } from './markdown.ts';
import { toReview } from './review.ts';

export { toExercism } from './exercism.ts';
export { toHtml } from './html.ts';
export { toJunit } from './junit.ts';
export { mdFence, mdInline, toMarkdown } from './markdown.ts';

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Every report a grading writes: file name → its writer, one file per format beside this one. */
export const writers: Record<string, (r: GradeResult) => string> = {
  'results.json': json,
  'exercism.json': (r) => json(toExercism(r)),
  'junit.xml': toJunit,
  'report.md': toMarkdown,
  'report.html': toHtml,
};

/** The reviewer's reports: written only where the hiring team grades, never for a candidate to read. */
export const reviewWriters: Record<string, (r: GradeResult, f: FollowUps) => string> = {
  'review.html': toReview,
};

/**
 * Write every report of `writers` into `outDir`, and with `review` (the grader's follow-ups) the
 * reviewer's too: callers whose `outDir` a candidate can read (a pull request's uploads) pass none.
 */
export function writeOutputs(r: GradeResult, outDir: string, review?: FollowUps | null): void {
  mkdirSync(outDir, { recursive: true });
  for (const [file, write] of Object.entries(writers)) writeFileSync(join(outDir, file), write(r));
  if (review)
    for (const [file, write] of Object.entries(reviewWriters))
      writeFileSync(join(outDir, file), write(r, review));
}
