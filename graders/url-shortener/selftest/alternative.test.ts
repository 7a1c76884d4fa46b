import { grade } from '@bc/harness';
import { describe, expect, test } from 'vitest';
import { alternativeDir, graderDir } from './paths.ts';

// Written independently of the reference: node:http instead of Express, no build step, another
// schema, code alphabet, cache design and error codes. The grader must test the contract only.
describe('url-shortener: an independent correct submission', () => {
  test('when a correct implementation unlike the reference is graded, then it also scores 100', async () => {
    const r = await grade({ challenge: 'url-shortener', submission: alternativeDir, graderDir, seed: 99 });
    expect(r.tests.filter((t) => t.status !== 'passed').map((t) => `${t.id}: ${t.output}`)).toEqual([]);
    expect(r.score).toBe(100);
  });
});
