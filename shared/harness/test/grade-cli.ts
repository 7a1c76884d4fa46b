import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { FollowUps } from '../src/follow-ups.ts';

const require = createRequire(import.meta.url);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const prCli = fileURLToPath(new URL('../src/pr/cli.ts', import.meta.url));
/** The repository root: the grade CLI runs from there, as `pnpm grade` does. */
export const root = fileURLToPath(new URL('../../..', import.meta.url));
const argv = (args: string[], file = cli) => ['--import', require.resolve('tsx'), file, ...args];

/** Run the grade CLI to its end: its exit code, stdout and stderr (trimmed). */
export function runGradeCli(args: string[], env: NodeJS.ProcessEnv = process.env, file = cli) {
  const r = spawnSync(process.execPath, argv(args, file), {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    env,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

/** Run `pnpm pr …` to its end, as runGradeCli does the grade CLI. */
export const runPrCli = (args: string[]) => runGradeCli(args, process.env, prCli);

/** Start the grade CLI in the background, its output discarded. */
export const startGradeCli = (...args: string[]): ChildProcess =>
  spawn(process.execPath, argv(args), { cwd: root, stdio: 'ignore' });

/** None of the five reports a candidate receives holds any of the grader's follow-up questions. */
export function expectNoQuestionInCandidateReports(out: string, followUps: FollowUps): void {
  const questions = [...followUps.items.values(), ...followUps.bands.values()].flat();
  for (const f of ['exercism.json', 'junit.xml', 'report.html', 'report.md', 'results.json']) {
    const text = readFileSync(join(out, f), 'utf8');
    expect(
      questions.filter((q) => text.includes(q.slice(0, 60))),
      f,
    ).toEqual([]);
  }
}
