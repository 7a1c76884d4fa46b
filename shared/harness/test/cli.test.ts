import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, onTestFinished, test } from 'vitest';
import { type FollowUps, readFollowUps } from '../src/follow-ups.ts';
import { reapDeadRuns } from '../src/grade.ts';
import { listMutants, materializeMutant } from '../src/mutants.ts';
import { isAlive, killPids, pidsOfRunsOwnedBy } from '../src/supervisor/proc.ts';
import { escapeMarkup } from '../src/untrusted.ts';
import { root, runGradeCli, startGradeCli } from './grade-cli.ts';
import { tempDir } from './temp-dir.ts';

const grade = (...args: string[]) => runGradeCli(args);

/** None of the five reports a candidate receives holds any of the grader's follow-up questions. */
function expectNoQuestionInCandidateReports(out: string, followUps: FollowUps): void {
  const questions = [...followUps.items.values(), ...followUps.bands.values()].flat();
  for (const f of ['exercism.json', 'junit.xml', 'report.html', 'report.md', 'results.json']) {
    const text = readFileSync(join(out, f), 'utf8');
    expect(
      questions.filter((q) => text.includes(q.slice(0, 60))),
      f,
    ).toEqual([]);
  }
}

describe('grade CLI exit codes', () => {
  test('when the challenge is unknown, then exit 2 with one line naming the known ones', () => {
    const r = grade('no-such-challenge', 'graders/url-shortener/reference');
    expect(r.code).toBe(2);
    const known = readdirSync(join(root, 'graders'))
      .filter((d) => existsSync(join(root, 'graders', d, 'grader.config.ts')))
      .join(', ');
    expect(r.stderr).toBe(`grade: unknown challenge "no-such-challenge" (known: ${known})`);
  });

  test('when the submission dir is missing or has no file that tells its language, then exit 2 with one line', () => {
    const missing = grade('url-shortener', 'does/not/exist');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('grade: submission directory not found: does/not/exist');
    const empty = tempDir('bc-empty-');
    const noPkg = grade('url-shortener', empty);
    expect(noPkg.code).toBe(2);
    expect(noPkg.stderr).toMatch(
      /^grade: no package\.json, pyproject\.toml, requirements\.txt, uv\.lock, go\.mod, Cargo\.toml, pom\.xml in .* \(or only links to them\): a submission is a directory with one of them at its root \(or a \.backend-challenge\.json that names its "language"\)$/,
    );
  });

  test('when an option is malformed, then exit 2', () => {
    const r = grade('url-shortener', 'graders/url-shortener/reference', '--seed', 'soon');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--seed/);
  });

  test('when Docker is asked for and no engine answers, then exit 1 with one line saying what to install', () => {
    const r = runGradeCli(['url-shortener', 'graders/url-shortener/reference', '--services', 'docker'], {
      ...process.env,
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });

    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^grade: cannot grade on this machine: no Docker engine answers: apt-get install docker\.io and start dockerd/,
    );
    expect(r.stderr.split('\n')).toHaveLength(1);
  });

  test('when --only names neither a category nor a rubric item, then exit 2 with one line saying so', () => {
    const r = grade('url-shortener', 'challenges/url-shortener', '--only', 'security,speed');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^grade: --only: "speed" is neither a category .* nor a rubric item of url-shortener$/,
    );
  });

  test('when --only selects a category, then only its items are graded and the report lists the rest as skipped', () => {
    const out = tempDir('bc-out-');
    const r = grade(
      'url-shortener',
      'challenges/url-shortener',
      '--only',
      'security',
      '--out',
      out,
      '--quiet',
    );
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.tests.map((t: { tags: string[] }) => t.tags[0])).toEqual(['security', 'security']);
    expect(results.max_score).toBe(10);
    expect(results.band).toBe('unrated');
    expect(results.skipped).toHaveLength(25);
    expect(results.output).toMatch(/25 item\(s\) not graded in this run \(--only\)/);
  });

  test('when the score is below --min-score, then exit 3 and all five reports are still written, with the reviewer’s page beside them holding what the candidate’s never do', () => {
    const out = tempDir('bc-out-');
    const r = grade(
      'url-shortener',
      'challenges/url-shortener',
      '--min-score',
      '50',
      '--out',
      out,
      '--quiet',
      '--seed',
      '3',
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/score \d+ is below --min-score 50/);
    expect(readdirSync(out).sort()).toEqual([
      'exercism.json',
      'junit.xml',
      'report.html',
      'report.md',
      'results.json',
      'review.html',
    ]);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results).toMatchObject({ status: 'graded', challenge: 'url-shortener', seed: 3, max_score: 100 });
    // The starter loses items: the reviewer's page asks about the one that cost most, and no
    // report the candidate receives carries any follow-up question.
    const followUps = readFollowUps(join(root, 'graders', 'url-shortener'))!;
    const lost = (results.tests as { id: string; score: number; max_score: number }[])
      .filter((t) => t.score < t.max_score)
      .sort((a, b) => b.max_score - b.score - (a.max_score - a.score) || a.id.localeCompare(b.id))[0]!;
    const review = readFileSync(join(out, 'review.html'), 'utf8');
    expect(review).toContain(`data-from="${lost.id}"`);
    expect(review).toContain(escapeMarkup(followUps.items.get(lost.id)![0]!));
    expectNoQuestionInCandidateReports(out, followUps);
    expect(r.stdout).toMatch(/total +\d+ \/ 100/);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
  });
});

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
