import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readFollowUps } from '../src/follow-ups.ts';
import { escapeMarkup } from '../src/untrusted.ts';
import { expectNoQuestionInCandidateReports, root, runGradeCli } from './grade-cli.ts';
import { tempDir } from './temp-dir.ts';

const grade = (...args: string[]) => runGradeCli(args);

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
