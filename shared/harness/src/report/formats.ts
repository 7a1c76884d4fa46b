import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GradeResult } from '../types.ts';
import { toExercism } from './exercism.ts';
import { toHtml } from './html.ts';
import { toJunit } from './junit.ts';
import { toMarkdown } from './markdown.ts';

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

/** Write every report of `writers` into `outDir`. */
export function writeOutputs(r: GradeResult, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  for (const [file, write] of Object.entries(writers)) writeFileSync(join(outDir, file), write(r));
}
