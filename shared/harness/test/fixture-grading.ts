import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { grade } from '../src/grade.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * Grade fixture submission `submission` with the one-item fixture grader `graderDir` (both under
 * fixtures/), require its item to pass, and return what the hidden test reported in its note.
 */
export async function fixtureNote<T>(graderDir: string, submission: string, seed: number): Promise<T> {
  const r = await grade({
    challenge: graderDir,
    submission: join(fixtures, submission),
    graderDir: join(fixtures, graderDir),
    seed,
  });
  const t = r.tests[0]!;
  expect(t.status, t.output).toBe('passed');
  return JSON.parse(t.output) as T;
}

/** What the env-echo fixture's instances report to grader-instance-env, at seed 8, in any language. */
export const ENV_ECHO_NOTE = {
  before: [
    { mode: 'open', shared: 'seed-8' },
    { mode: 'closed', shared: 'seed-8' },
  ],
  afterRestart: { mode: 'closed', shared: 'seed-8' },
  context: [
    { id: 'a', env: { MODE: 'open' } },
    { id: 'b', env: { MODE: 'closed' } },
  ],
  // The grader's calibration server in Node: the only one it has for a Node submission.
  baseline: { language: 'node' },
};

/**
 * What the net-probe fixture reads of /proc/self/status in either sandbox: no capability in any
 * set it can use, and no_new_privs, so no setuid or file-capability binary (Debian's ping carries
 * cap_net_raw) gives one back.
 */
export const NO_CAPABILITIES = {
  CapInh: '0000000000000000',
  CapPrm: '0000000000000000',
  CapEff: '0000000000000000',
  CapAmb: '0000000000000000',
  NoNewPrivs: '1',
};
