import { describe, expect, test } from 'vitest';
import { fixtureNote } from './fixture-grading.ts';

describe('rolling deploys and one-off runs', () => {
  test('when an instance is deployed with new env, then it runs with it, keeps it across a restart, and the other instance is untouched', async () => {
    const note = await fixtureNote<{
      before: unknown[];
      deployed: unknown[];
      restarted: unknown;
      jobs: { code: number | null; killed: string | null; output: string; quick: boolean }[];
    }>('grader-deploy', 'deploy-echo', 4);
    expect(note.before).toEqual([
      { version: '1', mode: 'open' },
      { version: '1', mode: 'closed' },
    ]);
    expect(note.deployed).toEqual([
      { version: '2', mode: 'open' },
      { version: '1', mode: 'closed' },
    ]);
    expect(note.restarted).toEqual({ version: '2', mode: 'open' });
    // Run as a job: instance a's env (its deploy included), the job's on top, no port; its exit
    // code, its output, and how it was ended come back.
    expect(note.jobs).toEqual([
      { code: 0, killed: null, output: 'job ok: MODE=open PORT=none', quick: true },
      { code: 3, killed: null, output: 'job fail: MODE=open PORT=none', quick: true },
      {
        code: null,
        killed: 'interrupted by the grader',
        output: 'job hang: MODE=open PORT=none',
        quick: true,
      },
      {
        code: null,
        killed: expect.stringMatching(/time|0\.5 s/),
        output: 'job hang: MODE=open PORT=none',
        quick: true,
      },
    ]);
  });
});
