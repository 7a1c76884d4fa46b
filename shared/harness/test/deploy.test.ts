import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { fixtureNote } from './fixture-grading.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('rolling deploys and one-off runs', () => {
  test('when an instance is deployed with new env, then it runs with it, keeps it across a restart, and the other instance is untouched; a job runs sandboxed', async () => {
    const note = await fixtureNote<{
      before: unknown[];
      deployed: unknown[];
      restarted: unknown;
      jobs: { code: number | null; killed: string | null; output: string; quick: boolean }[];
      probe: string;
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
        killed: expect.stringMatching(/time|3 s/),
        output: 'job hang: MODE=open PORT=none',
        quick: true,
      },
    ]);
    // A job is sandboxed as an instance is (security-model.md): no grader file read or written,
    // no control API.
    const probe = JSON.parse(note.probe) as Record<string, string>;
    expect(probe.read).toMatch(/^refused/);
    expect(probe.write).toMatch(/^refused/);
    expect(probe.control).toMatch(/^refused/);
    expect(existsSync(join(fixtures, 'grader-deploy', 'rubric.ts.written'))).toBe(false);
  });
});
