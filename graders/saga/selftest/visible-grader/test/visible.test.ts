import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { grading, rubricTest } from '@bc/harness/kit';
import { rubric } from '../grader.config.ts';

const starter = fileURLToPath(new URL('../../../../../challenges/saga', import.meta.url));

rubricTest(rubric, 'visible-tests-pass', async ({ note }) => {
  const g = grading();
  // The starter's own Vitest, as a candidate would run it: in a shell with the service's env.
  const r = spawnSync(process.execPath, [join(starter, 'node_modules/vitest/vitest.mjs'), 'run'], {
    cwd: starter,
    env: { ...process.env, ...g.env, TARGET_URL: g.instances[0]!.url, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(`visible tests failed (exit ${r.status}):\n${out.slice(-3000)}`);
  note(out.match(/Tests +\d+ passed[^\n]*/)?.[0] ?? 'passed');
});
