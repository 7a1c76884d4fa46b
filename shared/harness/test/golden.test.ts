import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectGolden, graderLayout } from '../src/testing.ts';
import { tempDir } from './temp-dir.ts';

describe('golden candidate-facing text', () => {
  // Compared, never recorded, whatever the suite around this file was asked to do.
  const recording = process.env.BC_RECORD_GOLDEN;
  beforeAll(() => {
    delete process.env.BC_RECORD_GOLDEN;
  });
  afterAll(() => {
    if (recording !== undefined) process.env.BC_RECORD_GOLDEN = recording;
  });

  test('when a failure message is changed on purpose, then the comparison fails with a diff naming the changed line', () => {
    // The URL shortener's starter, as recorded: what a candidate reads today.
    const recorded = readFileSync(graderLayout('url-shortener').starterGolden, 'utf8');
    const line = recorded.split('\n').find((l) => l.startsWith('Expected: '))!;
    const changed = recorded.replace(line, `${line} (reworded)`);
    const file = join(tempDir('bc-golden-'), 'starter.golden.txt');
    writeFileSync(file, recorded);
    expect(() => expectGolden(file, recorded)).not.toThrow();
    let err: { message: string; actual?: unknown; expected?: unknown } | undefined;
    try {
      expectGolden(file, changed);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.message).toMatch(/the failure text a candidate reads differs from .*starter\.golden\.txt/);
    expect(err?.message).toContain('BC_RECORD_GOLDEN=1');
    // Vitest prints its diff from these two: the reworded line against the recorded one.
    expect(err?.actual).toBe(changed);
    expect(err?.expected).toBe(recorded);
  });

  test('when no golden file exists yet, then the comparison says how to record it', () => {
    expect(() => expectGolden(join(tempDir('bc-golden-'), 'missing.golden.txt'), 'text')).toThrow(
      /BC_RECORD_GOLDEN=1/,
    );
  });
});
