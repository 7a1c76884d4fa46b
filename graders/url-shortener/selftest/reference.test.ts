import { grade } from '@bc/harness';
import { stableView } from '@bc/harness/testing';
import { describe, expect, test } from 'vitest';
import { graderDir, referenceDir } from './paths.ts';

describe('url-shortener reference', () => {
  test('when the reference is graded twice with one seed, then both runs score 100 with identical results', async () => {
    const first = await grade({
      challenge: 'url-shortener',
      submission: referenceDir,
      graderDir,
      seed: 1234,
    });
    const failing = first.tests.filter((t) => t.status !== 'passed').map((t) => `${t.id}: ${t.output}`);
    expect(failing).toEqual([]);
    expect(first.status).toBe('graded');
    expect(first.score).toBe(100);
    expect(first.band).toBe('senior');
    expect(first.candidate.verdicts).toEqual([]);
    const second = await grade({
      challenge: 'url-shortener',
      submission: referenceDir,
      graderDir,
      seed: 1234,
    });
    expect(stableView(second)).toEqual(stableView(first));
  });
});
