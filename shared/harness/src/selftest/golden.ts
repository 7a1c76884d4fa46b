import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * The text a candidate reads must match the golden file beside the submission (numbers and ids
 * masked); `BC_RECORD_GOLDEN=1` writes it instead. A changed message fails with a diff.
 */
export function expectGolden(path: string, text: string): void {
  if (process.env.BC_RECORD_GOLDEN === '1') {
    writeFileSync(path, text);
    return;
  }
  if (!existsSync(path))
    throw new Error(
      `${path} is missing: record it with BC_RECORD_GOLDEN=1 (then read it: it is what a candidate sees)`,
    );
  expect(
    text,
    `the failure text a candidate reads differs from ${path} (BC_RECORD_GOLDEN=1 records it)`,
  ).toBe(readFileSync(path, 'utf8'));
}
