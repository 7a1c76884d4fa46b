import { grade } from '@bc/harness';
import { describe, expect, test } from 'vitest';
import { graderDir, starterDir } from './paths.ts';

describe('url-shortener starter', () => {
  test('when the untouched starter is graded, then it starts, is graded, and scores at most 15', async () => {
    const r = await grade({ challenge: 'url-shortener', submission: starterDir, graderDir, seed: 5 });
    expect(r.status).toBe('graded');
    expect(r.score).toBeLessThanOrEqual(15);
    // Failures must explain themselves: what was sent, expected and received.
    const create = r.tests.find((t) => t.id === 'create-short-url')!;
    expect(create.output).toMatch(/Expected: 201/);
    expect(create.output).toMatch(/Sent: +POST \/api\/v1\/urls/);
    expect(create.output).toMatch(/Got: +501/);
  });
});
