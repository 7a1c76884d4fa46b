import { spawn } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { grade } from '../src/grade.ts';
import { REPO_ROOT } from '../src/graders.ts';
import { acquireShared, releaseShared, withExclusive } from '../src/load-lock.ts';
import { leaderboardCsv, leaderboardRows } from '../src/report/leaderboard.ts';
import type { GradeResult } from '../src/types.ts';
import { tempDir } from './temp-dir.ts';

const require = createRequire(import.meta.url);
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** What these submissions' gradings said, for a failure's message: the batch's folder goes with the test. */
const gradingsOf = (out: string, names: string[]): string =>
  names
    .map((name) => {
      const f = join(out, name, 'results.json');
      if (!existsSync(f)) return `${name}: no results.json`;
      const r = JSON.parse(readFileSync(f, 'utf8')) as GradeResult;
      const tests = r.tests.map((t) => `${t.id} ${t.status}: ${t.output}`).join('; ');
      return `${name}: ${r.status} ${r.reason ?? ''} ${r.candidate.verdicts.join(' ')} ${tests}`;
    })
    .join('\n');

describe('the load lock of a batch', () => {
  test('when one grading measures load, then it waits for the others to finish, and no grading starts until it is done', async () => {
    const dir = tempDir('bc-lock-');
    const order: string[] = [];
    await acquireShared(dir, 'a');
    await acquireShared(dir, 'b');
    const load = withExclusive(dir, 'a', async () => {
      order.push('a measures');
      await sleep(300);
      order.push('a done measuring');
    });
    await sleep(300);
    order.push('b finishes');
    releaseShared(dir, 'b');
    const c = acquireShared(dir, 'c').then(() => order.push('c starts'));
    await Promise.all([load, c]);
    expect(order).toEqual(['b finishes', 'a measures', 'a done measuring', 'c starts']);
  });

  test('when two gradings want to measure at once, then they take turns instead of deadlocking', {
    timeout: 10_000,
  }, async () => {
    const dir = tempDir('bc-lock-');
    await acquireShared(dir, 'a');
    await acquireShared(dir, 'b');
    let inside = 0;
    let most = 0;
    // Each grading measures, then runs to its end (a measurement waits for the others' ends).
    const measure = (owner: string) =>
      withExclusive(dir, owner, async () => {
        most = Math.max(most, ++inside);
        await sleep(150);
        inside--;
      }).then(() => releaseShared(dir, owner));
    await Promise.all([measure('a'), measure('b')]);
    expect(most).toBe(1);
  });

  test('when a measurement holds the machine, then a grading that starts meanwhile installs nothing until it is done', async () => {
    const dir = tempDir('bc-lock-');
    // A cache of its own: the install's first trace is a directory there.
    const cache = tempDir('bc-cache-');
    process.env.GRADE_CACHE_DIR = cache;
    const traces = () => [...readdirSync(dir).filter((n) => n.startsWith('r-')), ...readdirSync(cache)];
    let grading: Promise<GradeResult> | undefined;
    const seenWhileMeasuring: string[][] = [];
    await withExclusive(dir, 'measurer', async () => {
      grading = grade({
        challenge: 'instance-env',
        submission: join(fixtures, 'languages', 'python-env-echo'),
        graderDir: join(fixtures, 'grader-instance-env'),
        seed: 8,
        loadLock: dir,
      });
      for (let i = 0; i < 10; i++) {
        await sleep(100);
        seenWhileMeasuring.push(traces());
      }
    });
    // A Go install compiling modules for a minute beside a measurement cost a reference its
    // performance points: the claim, and so the install, waits for the measurement.
    expect(seenWhileMeasuring.flat()).toEqual([]);
    const r = await grading!.finally(() => delete process.env.GRADE_CACHE_DIR);
    expect(r.tests[0]?.status, r.tests[0]?.output ?? r.reason).toBe('passed');
    expect(r.runtime.install).not.toMatch(/cached/);
    expect(readdirSync(dir).filter((n) => n.startsWith('r-'))).toEqual([]);
  });

  test("when a load file's set-up waits for the machine longer than the tests' timeout, then the grading still measures, and is not called broken", async () => {
    const dir = tempDir('bc-lock-');
    // Another grading in flight: the fixture's measurement waits for it (its tests' timeout: 2 s).
    await acquireShared(dir, 'other');
    const grading = grade({
      challenge: 'load-wait',
      submission: join(fixtures, 'env-echo'),
      graderDir: join(fixtures, 'grader-load-wait'),
      seed: 1,
      loadLock: dir,
    });
    await sleep(6_000);
    releaseShared(dir, 'other');
    const r = await grading;
    expect(r.status, r.reason).toBe('graded');
    expect(r.tests[0]?.status, r.tests[0]?.output).toBe('passed');
  });

  test('when a holder died, then its claim is ignored', async () => {
    const dir = tempDir('bc-lock-');
    writeFileSync(join(dir, 'writer'), '999999999');
    writeFileSync(join(dir, 'r-gone'), '999999999');
    await acquireShared(dir, 'a');
    await withExclusive(dir, 'a', async () => {});
    expect(existsSync(join(dir, 'writer'))).toBe(false);
  });
});

describe('grade --batch', () => {
  const batch = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
      const started = Date.now();
      const child = spawn(process.execPath, ['--import', require.resolve('tsx'), cli, ...args], {
        cwd: REPO_ROOT,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
    });

  test('when submissions pass, crash, copy another or are not submissions at all, then each gets its row and folder, the leaderboard ranks them and names the copy, and a re-run resumes', async () => {
    const subs = tempDir('bc-batch-');
    cpSync(join(fixtures, 'env-echo'), join(subs, 'alice'), { recursive: true });
    // dave hands in alice's work with a comment of his own: the similarity check pairs them.
    cpSync(join(fixtures, 'env-echo'), join(subs, 'dave'), { recursive: true });
    const daves = join(subs, 'dave', 'server.mjs');
    writeFileSync(daves, `// my own server\n${readFileSync(daves, 'utf8')}`);
    cpSync(join(fixtures, 'hostile', 'start-crashes'), join(subs, 'bob'), { recursive: true });
    mkdirSync(join(subs, 'carol'));
    writeFileSync(join(subs, 'carol', 'notes.txt'), 'no package.json');
    const out = tempDir('bc-batch-out-');
    // A fixture grader stands in for a challenge, through --graders (a folder of graders).
    const args = [
      'grader-instance-env',
      '--graders',
      fixtures,
      '--batch',
      subs,
      '--out',
      out,
      '--parallel',
      '2',
      '--seed',
      '5',
    ];

    const first = await batch(...args);
    // carol could not be graded at all: the batch says so by its exit code, after grading the rest.
    expect(first.status, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/carol: FAILED to grade: no package\.json/);
    const rows = leaderboardRows(out);
    expect(
      rows.map((r) => [r.name, r.status, r.score]),
      gradingsOf(out, ['alice', 'dave']),
    ).toEqual([
      ['alice', 'graded', 1],
      ['dave', 'graded', 1],
      ['bob', 'error', 0],
      ['carol', 'not graded', 0],
    ]);
    expect(rows.map((r) => [r.name, r.similar?.partner])).toEqual([
      ['alice', 'dave'],
      ['dave', 'alice'],
      ['bob', expect.any(String)],
      ['carol', undefined],
    ]);
    expect(rows[1]!.similar!.similarity).toBe(1);
    expect(rows[2]!.similar!.similarity).toBeLessThan(0.6);
    expect(first.stderr).toMatch(/similarity: 3 pair\(s\) compared in [\d.]+ s, 1 at or above the threshold/);
    const page = readFileSync(join(out, 'similarity.html'), 'utf8');
    expect(page).toContain('<h2>alice and dave: 100% similar</h2>');
    expect(page).toContain('carol: no source file in a language compared');
    for (const name of ['alice', 'bob']) {
      for (const f of ['results.json', 'report.html', 'report.md', 'junit.xml'])
        expect(existsSync(join(out, name, f)), `${name}/${f}`).toBe(true);
    }
    const csv = readFileSync(join(out, 'leaderboard.csv'), 'utf8');
    expect(csv).toBe(leaderboardCsv(rows));
    expect(csv.split('\n')[0]).toBe(
      'rank,submission,score,max,band,status,correctness,robustness,security,concurrency,resilience,performance,seconds,seed,most_similar,similarity,note',
    );
    // A candidate's name that would be a spreadsheet formula is written as text.
    const formula = leaderboardCsv([{ ...rows[0]!, name: '=HYPERLINK("x")' }]);
    expect(formula.split('\n')[1]).toMatch(/^1,"'=HYPERLINK\(""x""\)",1,1,/);
    const board = readFileSync(join(out, 'leaderboard.html'), 'utf8');
    expect(board).toContain('<a href="alice/report.html">alice</a>');
    expect(board).toContain('<a href="similarity.html">100% dave</a>');

    // Re-run after alice changed: only alice (and carol, still failing) are graded again.
    appendFileSync(join(subs, 'alice', 'server.mjs'), '\n// v2\n');
    const second = await batch(...args);
    expect(second.stderr).toMatch(/bob: kept from an earlier run/);
    expect(second.stderr).toMatch(/grading alice/);
    expect(second.stderr).not.toMatch(/grading bob/);
    expect(leaderboardRows(out).map((r) => r.name)).toEqual(['alice', 'dave', 'bob', 'carol']);

    // An earlier cohort held alice's work too: --against pairs them, without grading anyone again.
    const earlier = tempDir('bc-batch-2025-');
    cpSync(join(fixtures, 'env-echo'), join(earlier, 'zed'), { recursive: true });
    const third = await batch(...args, '--against', earlier);
    expect(third.stderr).not.toMatch(/grading (alice|bob|dave)/);
    const pairs = (
      JSON.parse(readFileSync(join(out, 'similarity.json'), 'utf8')) as {
        pairs: { a: string; b: string; similarity: number }[];
      }
    ).pairs.map((p) => `${p.a} ${p.b} ${p.similarity}`);
    expect(pairs).toContain(`alice earlier/${basename(earlier)}/zed 1`);
    expect(pairs).toContain(`dave earlier/${basename(earlier)}/zed 1`);
  });
});
