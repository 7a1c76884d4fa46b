import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, onTestFinished, test } from 'vitest';
import { readFollowUps } from '../src/follow-ups.ts';
import { reapDeadRuns } from '../src/grade.ts';
import { listMutants, materializeMutant } from '../src/mutants.ts';
import { isAlive, killPids, pidsOfRunsOwnedBy } from '../src/supervisor/proc.ts';
import { escapeMarkup } from '../src/untrusted.ts';
import { expectNoQuestionInCandidateReports, root, runGradeCli, startGradeCli } from './grade-cli.ts';
import { tempDir } from './temp-dir.ts';

// Apart from cli.test.ts so that the suite's late run grades both side by side: their time is
// mostly waiting (scripts/test.sh).
const grade = (...args: string[]) => runGradeCli(args);

describe('the reviewer’s follow-up questions', () => {
  test('when a mutant loses one item, then review.html asks that item’s questions first, and no report a candidate receives holds any question', () => {
    const graderDir = join(root, 'graders', 'url-shortener');
    const mutant = listMutants(join(graderDir, 'mutants')).find((m) => m.name === 'redirect-301')!;
    expect(mutant.fails.map((f) => f.slug)).toEqual(['redirect-exact-location']);
    const dir = materializeMutant(join(graderDir, 'reference'), mutant);
    onTestFinished(() => rmSync(dirname(dir), { recursive: true, force: true }));
    const out = tempDir('bc-out-');
    // Its category only: the item it loses is a correctness item, and the load files are slow.
    const r = grade('url-shortener', dir, '--only', 'correctness', '--out', out, '--quiet', '--seed', '4');
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const lost = (results.tests as { id: string; score: number; max_score: number }[])
      .filter((t) => t.score < t.max_score)
      .map((t) => t.id);
    expect(lost).toEqual(['redirect-exact-location']);
    const followUps = readFollowUps(graderDir)!;
    const asked = followUps.items.get('redirect-exact-location')!;
    const review = readFileSync(join(out, 'review.html'), 'utf8');
    expect(review).toContain('data-from="redirect-exact-location"');
    for (const q of asked) expect(review).toContain(escapeMarkup(q));
    // Its questions come first: the only item lost.
    expect(review.match(/<li data-from="([^"]+)"/)?.[1]).toBe('redirect-exact-location');
    expectNoQuestionInCandidateReports(out, followUps);
  });
});

describe('grading always ends and leaves nothing behind', () => {
  const start = () => startGradeCli('url-shortener', 'graders/url-shortener/reference', '--quiet');

  // What this test's grading started, by the owner its markers name: other gradings may share
  // the machine (the suite runs the graders' self-tests beside these tests).
  const instancesOf = (child: ChildProcess) => pidsOfRunsOwnedBy(child.pid!, 'dist/server.js');
  const waitForSession = async (child: ChildProcess) => {
    // Until the candidate's instances run, so there is something to clean up. Not how fast they
    // start: at nice 19, beside the late run's Docker containers at normal priority, the install,
    // build and start of the reference once took longer than 30 s.
    for (let i = 0; i < 500 && instancesOf(child).length < 2; i++) await sleep(100);
    expect(instancesOf(child).length).toBeGreaterThanOrEqual(2);
  };
  const nothingLeft = async (child: ChildProcess) => {
    // The property is that it all goes, not how fast (these tests run at nice 19 in the suite), and a
    // failure names what is left: that is how test:busy showed a session dying mid-teardown of an
    // EPIPE on its stderr (see session-main.ts), which a 10 s bound had passed off as slowness.
    for (let i = 0; i < 600 && pidsOfRunsOwnedBy(child.pid!).length > 0; i++) await sleep(100);
    const left = pidsOfRunsOwnedBy(child.pid!).flatMap((pid) => {
      try {
        return [`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120)}`];
      } catch {
        return []; // gone meanwhile
      }
    });
    expect(left).toEqual([]);
  };

  test('when grading is interrupted with Ctrl-C, then it exits 130 and every process it started is gone', async () => {
    const child = start();
    await waitForSession(child);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(130);
    await nothingLeft(child);
  });

  test('when both grading processes are killed outright, then the next run reaps what they left', async () => {
    const child = start();
    await waitForSession(child);
    const session = pidsOfRunsOwnedBy(child.pid!, 'session-entry.mjs');
    expect(session.length).toBeGreaterThan(0);
    // The session's last argument is its request file, inside the run dir.
    const args = readFileSync(`/proc/${session[0]}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const runDir = dirname(args.at(-1)!);
    expect(existsSync(runDir)).toBe(true);
    const died = new Promise((res) => child.once('exit', res));
    child.kill('SIGKILL');
    killPids(session, 'SIGKILL');
    await died;
    // Postgres and Redis outlive both: nothing of this run is left to stop them… (Looked at the
    // moment the grading process is gone, not 300 ms later: meanwhile a grading of another test
    // file, starting beside this one, may reap them, as the next lines do.)
    expect(pidsOfRunsOwnedBy(child.pid!).length).toBeGreaterThan(0);
    // …until any later run starts, finds their owner gone, and reaps them.
    reapDeadRuns();
    await nothingLeft(child);
    expect(existsSync(runDir)).toBe(false);
  });

  test('when an owner was killed and its parent has not reaped it yet, then it counts as dead', async () => {
    // sh's background child exits at once; the exec'd sleep never waits for it, so it stays a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const zombie = Number(
      await new Promise<string>((res) => parent.stdout!.once('data', (d) => res(String(d)))),
    );
    try {
      for (let i = 0; i < 50 && !readFileSync(`/proc/${zombie}/stat`, 'utf8').includes(') Z'); i++)
        await sleep(20);
      expect(readFileSync(`/proc/${zombie}/stat`, 'utf8')).toContain(') Z');
      expect(isAlive(zombie)).toBe(false);
      expect(isAlive(parent.pid!)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('when the grading process itself is killed, then the session notices and cleans up after it', async () => {
    const child = start();
    await waitForSession(child);
    child.kill('SIGKILL');
    await nothingLeft(child);
  });
});
