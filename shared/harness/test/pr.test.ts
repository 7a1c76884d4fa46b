import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { UsageError } from '../src/errors.ts';
import { REPO_ROOT } from '../src/graders.ts';
import { githubComments, upsertComment } from '../src/pr/github.ts';
import { pickSubmission } from '../src/pr/pick.ts';
import { suiteHash } from '../src/provenance.ts';
import type { GradeResult } from '../src/types.ts';
import { tempDir } from './temp-dir.ts';

const require = createRequire(import.meta.url);
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const cli = fileURLToPath(new URL('../src/pr/cli.ts', import.meta.url));

const git = (dir: string, ...args: string[]): string =>
  spawnSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    encoding: 'utf8',
  }).stdout.trim();

function commitAll(dir: string): string {
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'submission');
  return git(dir, 'rev-parse', 'HEAD');
}

/** A few of GitHub's issue-comment endpoints, in memory, paged 2 at a time like the real one pages. */
function fakeGitHub() {
  const comments: { id: number; body: string }[] = [];
  const auth: string[] = [];
  let next = 100;
  const body = async (req: IncomingMessage) => {
    let s = '';
    for await (const c of req) s += c;
    return JSON.parse(s) as { body: string };
  };
  const server = createServer(async (req, res) => {
    auth.push(req.headers.authorization ?? '');
    const url = new URL(req.url!, 'http://x');
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(data));
    };
    if (req.method === 'GET' && url.pathname === '/repos/acme/take-home/issues/5/comments') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const more = comments.length > page * 2;
      const link: Record<string, string> = more
        ? { link: `<${`http://${req.headers.host}${url.pathname}?page=${page + 1}`}>; rel="next"` }
        : {};
      return send(200, comments.slice((page - 1) * 2, page * 2), link);
    }
    if (req.method === 'POST' && url.pathname === '/repos/acme/take-home/issues/5/comments') {
      const c = { id: next++, body: (await body(req)).body };
      comments.push(c);
      return send(201, c);
    }
    const m = /^\/repos\/acme\/take-home\/issues\/comments\/(\d+)$/.exec(url.pathname);
    const found = m && comments.find((c) => c.id === Number(m[1]));
    if (req.method === 'PATCH' && found) {
      found.body = (await body(req)).body;
      return send(200, found);
    }
    send(404, { message: 'Not Found' });
  });
  return { server, comments, auth };
}

describe('picking what a pull request submits', () => {
  test('when the head is a take-home repository, then its .backend-challenge.json names the challenge and the whole checkout is graded', () => {
    const base = tempDir('bc-base-');
    mkdirSync(join(base, 'graders', 'url-shortener'), { recursive: true });
    writeFileSync(join(base, 'graders', 'url-shortener', 'grader.config.ts'), '');
    const head = tempDir('bc-head-');
    writeFileSync(join(head, '.backend-challenge.json'), '{"challenge":"url-shortener"}');
    expect(pickSubmission(base, head)).toEqual({ challenge: 'url-shortener', dir: head, path: '.' });
    writeFileSync(join(head, '.backend-challenge.json'), '{"challenge":"../../etc"}');
    expect(() => pickSubmission(base, head)).toThrow(UsageError);
    // Read by the grading's own parser: what a grading would refuse is refused here, in its words.
    writeFileSync(join(head, '.backend-challenge.json'), '{"challenge":"url-shortener","lang":"go"}');
    expect(() => pickSubmission(base, head)).toThrow(/has a field it does not know \("lang"\)/);
    writeFileSync(join(head, '.backend-challenge.json'), 'challenge: url-shortener');
    expect(() => pickSubmission(base, head)).toThrow(/is not valid JSON/);
    rmSync(join(head, '.backend-challenge.json'));
    symlinkSync('/etc/hostname', join(head, '.backend-challenge.json'));
    expect(() => pickSubmission(base, head)).toThrow(/not a small JSON file \(a link/);
  });

  test('when a pull request to this repository changes one submissions/<challenge>/<name>/, then that one is picked; two, or none, is a usage error', () => {
    const base = tempDir('bc-base-');
    const head = tempDir('bc-head-');
    for (const root of [base, head]) {
      mkdirSync(join(root, 'graders', 'rate-limiter'), { recursive: true });
      writeFileSync(join(root, 'graders', 'rate-limiter', 'grader.config.ts'), '');
      mkdirSync(join(root, 'submissions', 'rate-limiter', 'alice'), { recursive: true });
      writeFileSync(join(root, 'submissions', 'rate-limiter', 'alice', 'package.json'), '{}');
    }
    expect(() => pickSubmission(base, head)).toThrow(/nothing to grade/);
    mkdirSync(join(head, 'submissions', 'rate-limiter', 'bob'), { recursive: true });
    writeFileSync(join(head, 'submissions', 'rate-limiter', 'bob', 'package.json'), '{}');
    expect(pickSubmission(base, head).path).toBe('submissions/rate-limiter/bob');
    writeFileSync(join(head, 'submissions', 'rate-limiter', 'alice', 'package.json'), '{"name":"a"}');
    expect(() => pickSubmission(base, head)).toThrow(/grades one submission; this one changes 2/);
    // A challenge only the head brings a grader for is not graded with the head's grader.
    const head2 = tempDir('bc-head-');
    mkdirSync(join(head2, 'graders', 'own'), { recursive: true });
    writeFileSync(join(head2, 'graders', 'own', 'grader.config.ts'), '');
    mkdirSync(join(head2, 'submissions', 'own', 'eve'), { recursive: true });
    writeFileSync(join(head2, 'submissions', 'own', 'eve', 'package.json'), '{}');
    expect(() => pickSubmission(base, head2)).toThrow(/base checkout has no grader for "own"/);
  });
});

describe('the GitHub client', () => {
  test('when an earlier run left its comment among others (over several pages), then it is updated, not duplicated', async () => {
    const gh = fakeGitHub();
    await new Promise<void>((r) => gh.server.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => gh.server.close(() => r())));
    const api = `http://127.0.0.1:${(gh.server.address() as AddressInfo).port}`;
    const client = githubComments({ token: 't0k', repo: 'acme/take-home', pr: 5, apiUrl: api });
    for (const b of ['looks good', 'nit: naming', 'ping']) await client.create(b);
    const marker = '<!-- backend-challenges grade: url-shortener . -->';
    expect(await upsertComment(client, marker, 'score 10')).toEqual({ action: 'created', id: 103 });
    expect(await upsertComment(client, marker, 'score 80')).toEqual({ action: 'updated', id: 103 });
    expect(gh.comments.map((c) => c.body)).toEqual([
      'looks good',
      'nit: naming',
      'ping',
      `${marker}\nscore 80`,
    ]);
    expect(new Set(gh.auth)).toEqual(new Set(['Bearer t0k']));
  });
});

describe('pr grade', () => {
  const gh = fakeGitHub();
  let api = '';
  beforeAll(async () => {
    await new Promise<void>((r) => gh.server.listen(0, '127.0.0.1', r));
    api = `http://127.0.0.1:${(gh.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => gh.server.close(() => r())));

  // Asynchronous: the fake GitHub in this process must keep answering while the CLI runs.
  const pr = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', require.resolve('tsx'), cli, ...args], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          GITHUB_TOKEN: 't0k',
          GITHUB_REPOSITORY: 'acme/take-home',
          GITHUB_API_URL: api,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  test("when a pull request also edits the grader, then the base's grader judges it; the check fails below --min-score; the comment is posted once, then updated", async () => {
    // The trusted base: a checkout whose graders/ holds the one-item fixture grader.
    const base = tempDir('bc-base-');
    mkdirSync(join(base, 'graders'));
    symlinkSync(join(fixtures, 'grader-instance-env'), join(base, 'graders', 'instance-env'));
    // The head: a take-home repository whose PR also brings its own, always-passing "grader".
    const head = tempDir('bc-head-');
    cpSync(join(fixtures, 'env-echo'), head, { recursive: true });
    writeFileSync(join(head, '.backend-challenge.json'), '{"challenge":"instance-env"}\n');
    mkdirSync(join(head, 'graders', 'instance-env'), { recursive: true });
    writeFileSync(
      join(head, 'graders', 'instance-env', 'grader.config.ts'),
      'export default { rubric: [] };\n',
    );
    const commit = commitAll(head);
    const out = tempDir('bc-out-');
    const summary = join(out, 'summary.md');

    const first = await pr(
      'grade',
      '--base',
      base,
      '--head',
      head,
      '--out',
      out,
      '--seed',
      '8',
      '--min-score',
      '2',
      '--summary',
      summary,
      '--post',
      '--pr',
      '5',
      '--quiet',
    );
    expect(first.status, first.stderr).toBe(3);
    expect(first.stdout).toContain('graded . as instance-env');
    expect(first.stdout).toContain('PR comment created');
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as GradeResult;
    expect(r.score, JSON.stringify([r.reason, r.candidate.verdicts, r.tests])).toBe(1);
    expect(r.tests.map((t) => t.id)).toEqual(['instance-env']);
    expect(r.provenance.submission).toEqual({ commit, dirty: null });
    expect(r.provenance.grader.suiteSha256).toBe(suiteHash(join(base, 'graders', 'instance-env')));
    expect(r.provenance.grader.commit).toBe(git(REPO_ROOT, 'rev-parse', 'HEAD'));
    for (const f of ['report.html', 'report.md', 'junit.xml', 'comment.md'])
      expect(readFileSync(join(out, f), 'utf8')).not.toBe('');
    // The candidate can read this run's uploads: the grader has follow-ups, and none is there.
    expect(existsSync(join(base, 'graders', 'instance-env', 'follow-ups.md'))).toBe(true);
    expect(existsSync(join(out, 'review.html'))).toBe(false);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toContain('instance-env: 1 / 1');
    expect(gh.comments[0]!.body).toContain('❌ **Below** the minimum score of 2');
    expect(gh.comments[0]!.body).toContain(`at ${commit.slice(0, 12)}`);
    expect(readFileSync(summary, 'utf8')).toContain('❌ **Below** the minimum score of 2');

    // A later push: the separate comment job updates the one comment instead of adding one.
    writeFileSync(join(out, 'comment.md'), `${readFileSync(join(out, 'comment.md'), 'utf8')}\nsecond push\n`);
    const post = await pr('comment', '--out', out, '--pr', '5');
    expect(post.status, post.stderr).toBe(0);
    expect(post.stdout).toContain('PR comment updated');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toMatch(/second push\n$/);
  });

  test('when posting lacks the token, then one line says what to set (exit 2)', () => {
    const out = tempDir('bc-out-');
    writeFileSync(join(out, 'pr.json'), '{"marker":"<!-- x -->"}');
    writeFileSync(join(out, 'comment.md'), 'x');
    const r = spawnSync(
      process.execPath,
      ['--import', require.resolve('tsx'), cli, 'comment', '--out', out, '--pr', '5'],
      {
        encoding: 'utf8',
        env: { ...process.env, GITHUB_TOKEN: '' },
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^pr: posting needs GITHUB_TOKEN/);
  });
});
