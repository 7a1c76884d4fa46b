import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gradeBatch } from '../src/batch.ts';
import { grade } from '../src/grade.ts';
import { REPO_ROOT } from '../src/graders.ts';
import { evictCache } from '../src/install.ts';
import { provision } from '../src/provision/index.ts';
import { harnessTmpRoot } from '../src/provision/local-postgres.ts';
import { writeOutputs } from '../src/report/formats.ts';
import { installerCommand } from '../src/supervisor/sandbox.ts';
import type { GradeResult } from '../src/types.ts';
import { privateDir } from '../src/util.ts';
import { runPrCli } from './grade-cli.ts';
import { tempDir } from './temp-dir.ts';

// The hostile suite of security-model.md: one submission per attack class of issue 17, graded
// for real, each asserting its outcome (no canary in any report, the score it would have without
// the attack, a clean next grading, nothing written outside the work directory).

const require = createRequire(import.meta.url);
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const attacker = join(fixtures, 'integrity', 'attacker');
const graderDir = join(fixtures, 'grader-integrity');
const root = process.getuid?.() === 0;
const canary = `bc-canary-${randomBytes(8).toString('hex')}`;
const canaryFile = join(graderDir, `.canary-${process.pid}`);
const hiddenTest = join(REPO_ROOT, 'graders', 'url-shortener', 'test', 'redirect.test.ts');
const reference = join(REPO_ROOT, 'graders', 'url-shortener', 'reference', 'src', 'app.ts');
const secret = `/root/.bc-secret-${process.pid}`;
// The load lock gradings on one machine share (GRADE_LOAD_LOCK) sits in the host's /tmp: the
// candidate must neither read a claim there nor reach the directory to plant one.
const loadLock = mkdtempSync(join(tmpdir(), 'bc-load-lock-'));
const lockClaim = join(loadLock, 'r-probe');

beforeAll(() => {
  writeFileSync(canaryFile, `${canary}\n`);
  if (root) writeFileSync(secret, `${canary}\n`, { mode: 0o600 });
  writeFileSync(lockClaim, String(process.pid));
  process.env.BC_PROBE_PATHS = JSON.stringify([
    lockClaim,
    canaryFile,
    hiddenTest,
    reference,
    join(REPO_ROOT, 'package.json'),
    secret,
    '/etc/shadow',
  ]);
});
afterAll(() => {
  rmSync(canaryFile, { force: true });
  rmSync(secret, { force: true });
  rmSync(loadLock, { recursive: true, force: true });
  delete process.env.BC_PROBE_PATHS;
});

/** Every report a grading writes, as text. */
function reports(r: GradeResult): Record<string, string> {
  const out = tempDir('bc-integrity-out-');
  writeOutputs(r, out);
  return Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]));
}

/** The lines of markdown that sit outside fenced blocks (what renders as markup). */
function outsideFences(md: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    const f = line.match(/^(`{3,})\s*$/)?.[1];
    if (fence === null && f) fence = f;
    else if (fence !== null && f && f.length >= fence.length) fence = null;
    else if (fence === null) out.push(line);
  }
  return out;
}

const probeOf = (r: GradeResult) => {
  const t = r.tests.find((x) => x.id === 'probe')!;
  expect(t.status, t.output).toBe('passed');
  return JSON.parse(t.output) as {
    cwd: string;
    build: Record<string, string>;
    files: Record<string, string>;
    dirs: Record<string, string | string[]>;
    ports: Record<string, string>;
    pg: Record<string, string>;
    redis: Record<string, string>;
    canaryFromCopy: boolean;
  };
};

/** Names in a listing that are not on the path to the submission's own work dir. */
const foreign = (p: { cwd: string }, names: string[]): string[] =>
  names.filter((n) => !p.cwd.split('/').includes(n));

/** A small submission of the env-echo kind, graded by the one-item instance-env grader. */
const gradeEnvEcho = (submission: string) =>
  grade({ challenge: 'instance-env', submission, graderDir: join(fixtures, 'grader-instance-env'), seed: 2 });

// What these gradings test is containment, not how fast the attacker starts: at nice 19 beside the
// graders, its second start once found nothing listening within the fixture grader's 15 s (ci91).
const gradeAttacker = (submission = attacker) =>
  grade({
    challenge: 'integrity',
    submission,
    graderDir,
    seed: 3,
    loadLock,
    timeoutOverrides: { healthy: 60_000 },
  });

describe.skipIf(!root)('a hostile submission graded as root, locally', () => {
  let first: GradeResult;
  let second: GradeResult;
  beforeAll(async () => {
    first = await gradeAttacker();
    second = await gradeAttacker();
  });

  test('when it reads the hidden suite, the reference, the run files or homes, at build and at run time, then it reads nothing', () => {
    const p = probeOf(first);
    for (const [path, got] of Object.entries({ ...p.build, ...p.files })) {
      expect(got, path).toMatch(/^(ENOENT|EACCES|EPERM)$/);
    }
    for (const [dir, got] of Object.entries(p.dirs)) {
      // Absent, closed, or empty but for the mount points leading to its own work dir: never
      // another run's or the harness's files.
      if (Array.isArray(got)) expect(foreign(p, got), dir).toEqual([]);
      else expect(got, dir).toMatch(/^(ENOENT|EACCES|EPERM)$/);
    }
  });

  test('when it connects around the proxies to every port it finds, then each is refused and the fault it is graded on holds', () => {
    const p = probeOf(first);
    // The control API, the real Postgres and Redis listen on the same loopback: there were targets.
    expect(Object.keys(p.ports).length).toBeGreaterThanOrEqual(4);
    for (const [port, got] of Object.entries(p.ports))
      expect(got, port).toMatch(/^(ECONNREFUSED|ECONNRESET)$/);
    const down = first.tests.find((t) => t.id === 'redis-down')!;
    expect(down.status).toBe('failed');
    expect(down.score).toBe(0);
  });

  test('when it uses its database to run programs, read server files or reach other databases, then it is refused, and the next grading starts clean', () => {
    const p = probeOf(first);
    expect(p.pg.superuser).toBe('ok: false');
    expect(p.pg.copyProgram).toMatch(/^42501 /);
    expect(p.pg.readServerFile).toMatch(/^42501 /);
    expect(p.pg.asPostgres).toMatch(/^28P01 /);
    expect(p.pg.template1).toMatch(/^42501 /);
    expect(p.pg.postgresDb).toMatch(/^42501 /);
    expect(p.pg.createMarker).toMatch(/^ok/);
    expect(p.canaryFromCopy).toBe(false);
    expect(existsSync('/tmp/bc-canary-copy-program')).toBe(false);
    expect(p.redis.configGet).toMatch(/NOPERM/);
    // What the first run made in its database is not in the second's.
    expect(probeOf(second).pg.markerAtStart).toBe('ok: false');
  });

  test('when its output and answers forge a heading, a badge and terminal sequences, then every report shows them as text', () => {
    for (const r of [first, second]) {
      expect(r.score).toBe(1);
      const files = reports(r);
      for (const [name, text] of Object.entries(files)) {
        expect(text, name).not.toContain(canary);
        expect(text.includes('\u001b') || text.includes('\u0007'), name).toBe(false);
        expect(text, name).not.toContain('rubricTest(rubric');
      }
      // The forged heading is quoted, but only inside a fence it cannot close.
      expect(files['report.md']).toContain('## integrity: 100 / 100');
      const markup = outsideFences(files['report.md']!);
      expect(markup.filter((l) => l.startsWith('## '))).toEqual([markup.find((l) => l.startsWith('## '))]);
      expect(markup.join('\n')).not.toContain('100 / 100 (100 %)');
      expect(markup.join('\n')).not.toContain('example.invalid');
      expect(files['report.html']).not.toMatch(/<img|<h2>integrity: 100/);
      expect(files['report.md']).toContain('Isolation: isolated');
    }
  });
});

describe.skipIf(!root)('hostile submissions graded side by side (batch)', () => {
  test("when two attackers are graded at once, then neither sees the other's files or services, and each has its own database", async () => {
    const dir = tempDir('bc-batch-in-');
    const marks = {
      one: `bc-mark-${randomBytes(6).toString('hex')}`,
      two: `bc-mark-${randomBytes(6).toString('hex')}`,
    };
    for (const [name, mark] of Object.entries(marks)) {
      cpSync(attacker, join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, 'mine.txt'), mark);
    }
    const out = tempDir('bc-batch-out-');
    await gradeBatch({ challenge: 'integrity', dir, out, parallel: 2, seed: 4, graderDir });
    for (const [name, other] of [
      ['one', 'two'],
      ['two', 'one'],
    ] as const) {
      const r = JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8')) as GradeResult;
      const p = probeOf(r);
      for (const [d, got] of Object.entries(p.dirs)) {
        if (Array.isArray(got)) expect(foreign(p, got), d).toEqual([]);
        else expect(got, d).toMatch(/^(ENOENT|EACCES|EPERM)$/);
      }
      for (const [port, got] of Object.entries(p.ports))
        expect(got, port).toMatch(/^(ECONNREFUSED|ECONNRESET)$/);
      expect(p.pg.markerAtStart).toBe('ok: false');
      expect(JSON.stringify(r)).not.toContain(marks[other]);
    }
  });

  test('when a batch would share one Redis of --services env, then it is refused unless one at a time', async () => {
    await expect(
      gradeBatch({
        challenge: 'integrity',
        dir: attacker,
        out: tempDir('bc-o-'),
        parallel: 2,
        seed: 1,
        services: 'env',
        graderDir,
      }),
    ).rejects.toThrow('--services env shares one Redis database between gradings: use --parallel 1');
  });
});

describe.skipIf(!root)('git metadata and links of a submission', () => {
  const plantGit = (dir: string, hit: string) => {
    const commit = 'ab'.repeat(20);
    mkdirSync(join(dir, '.git', 'refs', 'heads'), { recursive: true });
    mkdirSync(join(dir, '.git', 'hooks'));
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(dir, '.git', 'refs', 'heads', 'main'), `${commit}\n`);
    const script = `#!/bin/sh\ntouch ${hit}\n`;
    writeFileSync(join(dir, '.git', 'fsmonitor.sh'), script, { mode: 0o755 });
    for (const hook of ['post-checkout', 'pre-commit', 'reference-transaction'])
      writeFileSync(join(dir, '.git', 'hooks', hook), script, { mode: 0o755 });
    writeFileSync(
      join(dir, '.git', 'config'),
      `[core]\n\tfsmonitor = ${join(dir, '.git', 'fsmonitor.sh')}\n\thooksPath = ${join(dir, '.git', 'hooks')}\n[filter "x"]\n\tclean = ${join(dir, '.git', 'fsmonitor.sh')}\n`,
    );
    writeFileSync(join(dir, '.gitattributes'), '* filter=x\n');
    return commit;
  };

  test('when its .git/config sets an fsmonitor, hooks and filters, then none runs, and the commit is read from its HEAD (CLI and pull request)', async () => {
    const hit = `/tmp/bc-canary-git-${process.pid}`;
    const sub = join(tempDir('bc-git-'), 'sub');
    cpSync(join(fixtures, 'env-echo'), sub, { recursive: true });
    const commit = plantGit(sub, hit);
    const r = await gradeEnvEcho(sub);
    expect(r.status).toBe('graded');
    expect(r.provenance.submission).toEqual({ commit, dirty: null });
    expect(existsSync(hit)).toBe(false);

    // The same through `pnpm pr grade`, the head a take-home repository.
    const base = tempDir('bc-base-');
    mkdirSync(join(base, 'graders'));
    symlinkSync(join(fixtures, 'grader-instance-env'), join(base, 'graders', 'instance-env'));
    const head = join(tempDir('bc-head-'), 'repo');
    cpSync(join(fixtures, 'env-echo'), head, { recursive: true });
    writeFileSync(join(head, '.backend-challenge.json'), '{"challenge":"instance-env"}\n');
    plantGit(head, hit);
    const out = tempDir('bc-pr-out-');
    const pr = runPrCli(['grade', '--base', base, '--head', head, '--out', out, '--seed', '2', '--quiet']);
    expect(pr.code, pr.stderr).toBe(0);
    expect(existsSync(hit)).toBe(false);
    expect(readFileSync(join(out, 'comment.md'), 'utf8')).toContain('abababababab');
  });

  test('when package.json or another file links to a root-only file, then it is refused in one line that quotes nothing of it', async () => {
    const linked = join(tempDir('bc-link-'), 'sub');
    cpSync(join(fixtures, 'env-echo'), linked, { recursive: true });
    symlinkSync(secret, join(linked, 'leak.txt'));
    const r = await gradeEnvEcho(linked);
    expect(r.status).toBe('error');
    expect(r.reason).toBe(
      'The submission\'s symlink "leak.txt" points outside the submission; links that leave it are refused.',
    );
    for (const [name, text] of Object.entries(reports(r))) expect(text, name).not.toContain(canary);

    rmSync(join(linked, 'leak.txt'));
    rmSync(join(linked, 'package.json'));
    symlinkSync(secret, join(linked, 'package.json'));
    await expect(gradeEnvEcho(linked)).rejects.toThrow(
      /^no package\.json, .* in .* \(or only links to them\)/,
    );
  });
});

describe.skipIf(!root)('grading as an ordinary user', () => {
  test('when the harness is not root and no Docker sandbox is asked for, then it refuses in one line; with --unsafe it grades and every report leads with what the candidate could reach', () => {
    // What nobody may read and write: a graders folder, the reports, its own cache.
    const shared = tempDir('bc-nobody-');
    chmodSync(shared, 0o777);
    symlinkSync(join(fixtures, 'grader-hostile'), join(shared, 'hostile'));
    const out = join(shared, 'out');
    const asNobody = (...args: string[]) =>
      spawnSync(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          process.execPath,
          '--import',
          require.resolve('tsx'),
          join(REPO_ROOT, 'shared/harness/src/cli.ts'),
          'hostile',
          join(fixtures, 'hostile', 'net-probe'),
          '--graders',
          shared,
          '--seed',
          '1',
          '--out',
          out,
          '--quiet',
          ...args,
        ],
        {
          cwd: '/tmp',
          encoding: 'utf8',
          // Far from what it takes (10-40 s): at nice 19 beside the graders it passed 90 s once.
          timeout: 240_000,
          env: { PATH: process.env.PATH, HOME: shared, GRADE_CACHE_DIR: join(shared, 'cache') },
        },
      );
    const refused = asNobody();
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(
      /refusing to grade without isolation \(not root: .*\): run as root .* use --sandbox docker, or pass --unsafe/,
    );
    expect(existsSync(out)).toBe(false);

    const unsafe = asNobody('--unsafe');
    expect(unsafe.status, unsafe.stderr).toBe(0);
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as GradeResult;
    expect(r.status).toBe('graded');
    expect(r.sandbox.isolation).toMatch(/^UNSAFE: not root: the candidate runs as the grading user/);
    expect(readFileSync(join(out, 'report.md'), 'utf8').split('\n')[2]).toMatch(
      /^Isolation: \*\*UNSAFE: not root/,
    );
    expect(unsafe.stdout).toMatch(/! UNSAFE: not root/);
  });
});

describe.skipIf(!root)('services and caches of a run', () => {
  test("when services come from --services env, then the run gets a role and a Redis user of its own, never the administrator's, removed at the end", async () => {
    const real = await provision('local', ['postgres', 'redis'], {
      runDir: tempDir('bc-env-'),
      markerEnv: { BC_GRADE_RUN: `t-${process.pid}` },
    });
    try {
      const saved = { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL };
      process.env.DATABASE_URL = real.services.postgres!.adminUrl;
      process.env.REDIS_URL = real.services.redis!.adminUrl;
      const run = await provision('env', ['postgres', 'redis'], { runDir: '/tmp', markerEnv: {} });
      Object.assign(process.env, saved);
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      const url = new URL(run.services.postgres!.url);
      expect(url.username).toMatch(/^bc_[0-9a-f]{12}$/);
      const c = new pg.Client({ connectionString: run.services.postgres!.url });
      await c.connect();
      const su = await c.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
      expect(su.rows[0].rolsuper).toBe(false);
      await expect(c.query("COPY (SELECT 1) TO PROGRAM 'true'")).rejects.toThrow(
        /must be superuser|permission denied/,
      );
      await c.end();
      const redis = new Redis(run.services.redis!.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      await redis.set('k', 'v');
      await expect(redis.config('GET', 'dir')).rejects.toThrow(/NOPERM/);
      redis.disconnect();
      await run.stop();
      const admin = new pg.Client({ connectionString: real.services.postgres!.adminUrl });
      await admin.connect();
      const left = await admin.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [
        url.username,
      ]);
      expect(left.rows[0].n).toBe(0);
      await admin.end();
    } finally {
      await real.stop();
    }
  });

  test("when a dependency names this machine's files (file:, git+file:, a path), then the install refuses it, and the installer could not have read them anyway", async () => {
    for (const spec of [
      'file:/work/main/graders/url-shortener',
      `git+file://${REPO_ROOT}`,
      '../../graders',
    ]) {
      const sub = join(tempDir('bc-dep-'), 'sub');
      cpSync(join(fixtures, 'env-echo'), sub, { recursive: true });
      writeFileSync(
        join(sub, 'package.json'),
        JSON.stringify({ name: 'x', scripts: { start: 'node server.mjs' }, dependencies: { leak: spec } }),
      );
      const r = await gradeEnvEcho(sub);
      expect(r.status, spec).toBe('error');
      expect(r.reason).toMatch(/^The dependency "leak" is not from the registry/);
    }
    // The installer's own sandbox: the system and its tree, none of the checkout.
    const tree = tempDir('bc-installer-');
    chmodSync(tree, 0o777);
    const cmd = installerCommand(['cat', hiddenTest], [tree], []);
    const r = spawnSync(cmd.file, cmd.args, { cwd: tree, encoding: 'utf8', uid: cmd.uid, gid: cmd.gid });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/No such file or directory/);
    expect(r.stdout).toBe('');
  });

  test('when the Postgres template every run copies is changed, then it is not copied but made anew', async () => {
    const ctx = { runDir: tempDir('bc-tpl-'), markerEnv: { BC_GRADE_RUN: `tpl-${process.pid}` } };
    await (await provision('local', ['postgres'], ctx)).stop();
    const [template] = readdirSync(harnessTmpRoot()).filter((d) => /^pg-template-[\d.]+-\w+$/.test(d));
    const planted = join(harnessTmpRoot(), template!, 'data', 'base', 'bc-planted');
    writeFileSync(planted, 'x');
    await (await provision('local', ['postgres'], ctx)).stop();
    expect(existsSync(planted)).toBe(false);
    expect(existsSync(join(harnessTmpRoot(), template!, 'data', 'PG_VERSION'))).toBe(true);
  });

  test('when the install cache outgrows its cap, then the least recently used entries go, never the one in use nor one used within the idle time', () => {
    const cache = tempDir('bc-cache-cap-');
    const entry = (n: number, ageS: number) => {
      const dir = join(cache, n.toString(16).padStart(24, '0'));
      mkdirSync(dir);
      writeFileSync(join(dir, 'blob'), Buffer.alloc(1024 * 1024));
      writeFileSync(join(dir, '.complete'), '');
      const t = new Date(Date.now() - ageS * 1000);
      utimesSync(join(dir, '.complete'), t, t);
      return dir;
    };
    const [oldest, old, recent, inUse] = [entry(1, 400), entry(2, 300), entry(3, 200), entry(4, 500)];
    const justUsed = entry(5, 10);
    const evicted = evictCache(cache, inUse, 2.5 * 1024 * 1024, 60_000);
    expect(evicted).toEqual([oldest, old, recent]);
    expect(existsSync(inUse) && existsSync(justUsed)).toBe(true);
  });

  test('when the install cache directory was made by someone else, then it is refused, not used', () => {
    const dir = join(tempDir('bc-cache-owner-'), 'cache');
    mkdirSync(dir, { mode: 0o755 });
    chownSync(dir, 65534, 65534);
    expect(() => privateDir(dir, 0o711)).toThrow(/is not a private directory of uid 0/);
    const link = join(tempDir('bc-cache-link-'), 'cache');
    symlinkSync('/tmp', link);
    expect(() => privateDir(link)).toThrow(/not a private directory/);
  });
});
