import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { InfraError, SubmissionError, UsageError } from '../src/errors.ts';
import { grade } from '../src/grade.ts';
import { cacheRoot } from '../src/install.ts';
import { chooseLanguage, findToolchain, planRun, readSubmissionManifest } from '../src/languages/index.ts';
import { installLanguageDeps } from '../src/languages/install.ts';
import type { GradeResult } from '../src/types.ts';
import { ENV_ECHO_NOTE } from './fixture-grading.ts';
import { tempDir } from './temp-dir.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A directory holding `files` (name → content). */
function dirWith(files: Record<string, string>): string {
  const d = tempDir('bc-lang-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

const gradeEnvEcho = (submission: string, seed = 8): Promise<GradeResult> =>
  grade({
    challenge: 'instance-env',
    submission,
    graderDir: join(fixtures, 'grader-instance-env'),
    seed,
  });

describe('which language a submission is in', () => {
  test.each([
    [{ 'package.json': '{}' }, 'node', 'package.json'],
    [{ 'requirements.txt': '' }, 'python', 'requirements.txt'],
    [{ 'pyproject.toml': '', 'uv.lock': '' }, 'python', 'pyproject.toml, uv.lock'],
    [{ 'go.mod': 'module x\n' }, 'go', 'go.mod'],
    [{ 'Cargo.toml': '' }, 'rust', 'Cargo.toml'],
    [{ 'pom.xml': '' }, 'java', 'pom.xml'],
  ])('when the root holds %o, then it is %s (from %s)', (files, language, chosenBy) => {
    expect(chooseLanguage(dirWith(files), {})).toEqual({ language, chosenBy });
  });

  test('when the root holds two languages and nothing says which, then a one-line usage error asks for one', () => {
    const d = dirWith({ 'package.json': '{}', 'go.mod': 'module x\n' });
    expect(() => chooseLanguage(d, {})).toThrow(UsageError);
    expect(() => chooseLanguage(d, {})).toThrow(
      /has package\.json and go\.mod at its root: say which language to grade with "language" in \.backend-challenge\.json or --language \(node or go\)$/,
    );
    expect(chooseLanguage(d, { language: 'go' })).toEqual({
      language: 'go',
      chosenBy: '.backend-challenge.json',
    });
    expect(chooseLanguage(d, { language: 'go' }, 'node')).toEqual({
      language: 'node',
      chosenBy: '--language',
    });
  });

  test('when the root holds no marker file, then the usage error lists them', () => {
    expect(() => chooseLanguage(dirWith({ 'main.py': '' }), {})).toThrow(
      /^no package\.json, pyproject\.toml, requirements\.txt, uv\.lock, go\.mod, Cargo\.toml, pom\.xml in /,
    );
  });

  test('when the manifest sets build, start, env and timeouts, then the plan runs them, timeouts capped', () => {
    const d = dirWith({
      'go.mod': 'module x\n',
      '.backend-challenge.json': JSON.stringify({
        challenge: 'url-shortener',
        build: 'go build -o srv ./cmd/srv',
        start: './srv --port "$PORT"',
        env: { GIN_MODE: 'release' },
        timeouts: { build: 300, start: 60 },
      }),
    });
    const plan = planRun(d, readSubmissionManifest(d));
    expect(plan).toMatchObject({
      language: 'go',
      build: 'go build -o srv ./cmd/srv',
      start: './srv --port "$PORT"',
      sources: { build: '.backend-challenge.json', start: '.backend-challenge.json' },
      env: { GIN_MODE: 'release' },
      timeouts: { build: 300_000, healthy: 60_000 },
    });
    const over = dirWith({ 'go.mod': '', '.backend-challenge.json': '{"timeouts":{"build":601}}' });
    expect(() => readSubmissionManifest(over)).toThrow(
      /"timeouts.build" that is not a number of seconds from 1 to 600/,
    );
  });

  test("when the manifest asks for an install command, then it is refused: no command of the candidate's runs with the network", () => {
    const d = dirWith({ 'requirements.txt': '', '.backend-challenge.json': '{"install":"curl evil | sh"}' });
    expect(() => readSubmissionManifest(d)).toThrow(SubmissionError);
    expect(() => readSubmissionManifest(d)).toThrow(/no command of yours runs with the network/);
  });

  test('when each language says nothing, then its defaults (a Procfile, main.py, Cargo.toml) give the commands', () => {
    expect(planRun(dirWith({ 'go.mod': '' }), {})).toMatchObject({
      build: 'go build -o .bin/server .',
      start: './.bin/server',
    });
    expect(planRun(dirWith({ 'requirements.txt': '', 'app.py': '' }), {}).start).toBe('python3 app.py');
    expect(planRun(dirWith({ 'requirements.txt': '', Procfile: 'web: gunicorn app:app\n' }), {}).start).toBe(
      'gunicorn app:app',
    );
    expect(planRun(dirWith({ 'Cargo.toml': '[package]\nname = "shortener"\n' }), {}).start).toBe(
      './target/release/shortener',
    );
    expect(() => planRun(dirWith({ 'requirements.txt': '' }), {})).toThrow(
      /Nothing says how to start this python service/,
    );
  });

  test('when a toolchain is not installed system-wide, then one line says what to install', () => {
    expect(() => findToolchain('go', '/nonexistent')).toThrow(InfraError);
    expect(() => findToolchain('go', '/nonexistent')).toThrow(
      'no go toolchain the sandbox user can run (go not found in /nonexistent): run bash scripts/setup.sh --languages go',
    );
  });
});

describe('submissions in Go, Python, Rust and Java, graded by an unchanged hidden suite', () => {
  test.each([
    [
      'go',
      'go.mod',
      'go mod download',
      'go build -o .bin/server . (Go defaults)',
      './.bin/server (Go defaults)',
    ],
    [
      'python',
      'requirements.txt',
      'pip install --only-binary=:all: --target .deps/site-packages -r requirements',
      'python3 -m compileall -q -x "/[.]deps/" . (Python defaults)',
      'python3 main.py (Python defaults)',
    ],
    [
      'rust',
      'Cargo.toml',
      'cargo vendor --locked',
      'cargo build --release --offline --locked (Rust defaults)',
      './target/release/env-echo (Rust defaults)',
    ],
    [
      'java',
      'pom.xml',
      'mvn dependency:go-offline',
      'mvn -o -q -B package -DskipTests (Maven defaults)',
      'exec java -jar target/*.jar (Maven defaults)',
    ],
  ] as const)(
    'when the env-echo service is written in %s, then its dependencies are fetched, it is built and started, the suite reads what it read of the Node one, and a baseline in its language is measured against',
    async (language, chosenBy, install, build, start) => {
      const r = await gradeEnvEcho(join(fixtures, 'languages', `${language}-env-echo`));
      const t = r.tests[0]!;
      expect(t.status, `${r.reason ?? ''}\n${t.output}\n${r.candidate.outputTail}`).toBe('passed');
      // Performance is measured against the grader's baseline in the submission's language when
      // it wrote one (Python and Go here), else its Node one.
      const baseline = language === 'python' || language === 'go' ? language : 'node';
      expect(JSON.parse(t.output)).toEqual({ ...ENV_ECHO_NOTE, baseline: { language: baseline } });
      expect(r.runtime).toMatchObject({
        language,
        chosen_by: chosenBy,
        build,
        start,
        baselines: `which in ${baseline}`,
      });
      expect(r.runtime.install).toMatch(
        new RegExp(`^${install.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\(cached\\))?$`),
      );
      expect(r.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['install', 'build', 'start']));
      // Fetched once, then reused by lockfile and toolchain: the install phase of a later grading
      // of the same inputs fetches nothing. Called as a grading's install phase calls it, on a
      // copy as a grading's: a whole second grading also built and started it again (a second
      // Maven and Cargo build, most of this file's time in the suite).
      const copy = tempDir('bc-lang-again-');
      cpSync(join(fixtures, 'languages', `${language}-env-echo`), copy, { recursive: true });
      const again = await installLanguageDeps(language, copy, findToolchain(language), {
        timeoutMs: 60_000,
        skip: false,
      });
      try {
        expect(again.cached).toBe(true);
        expect(again.command).toBe(install);
      } finally {
        again.cleanup();
        rmSync(copy, { recursive: true, force: true });
      }
    },
    360_000, // a grading, bounded by the fixture's total (300 s), and an install that fetches nothing
  );

  test('when a Go build fails, then the compiler output is the verdict', async () => {
    const d = tempDir('bc-lang-go-');
    cpSync(join(fixtures, 'languages', 'go-env-echo'), d, { recursive: true });
    writeFileSync(join(d, 'broken.go'), 'package main\n\nfunc broken() int { return "x" }\n');
    const r = await gradeEnvEcho(d);
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(
      /^The build script \(`go build -o \.bin\/server \.`\) failed: it exited with code 1/,
    );
    expect(r.candidate.outputTail).toMatch(/broken\.go:3:\d+: cannot use "x"/);
    rmSync(d, { recursive: true, force: true });
  });

  test('when a Python service exits at once, then the verdict says it crashed during start-up', async () => {
    const d = dirWith({
      'requirements.txt': '',
      'main.py': 'import sys\nprint("no database")\nsys.exit(3)\n',
    });
    const r = await gradeEnvEcho(d);
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(
      /The service crashed during start-up \(`python3 main\.py`\): it exited with code 3/,
    );
    expect(r.candidate.outputTail).toMatch(/no database/);
  });

  test('when a requirement has no wheel (installing it would run its build script), then the install refuses it', async () => {
    const d = dirWith({ 'requirements.txt': 'PyYAML==5.4.1\n', 'main.py': '' });
    const r = await gradeEnvEcho(d);
    expect(r.status).toBe('error');
    expect(r.reason).toBe(
      'Fetching dependencies failed (`pip install --only-binary=:all: --target .deps/site-packages -r requirements` exited with 1).',
    );
    expect(r.candidate.outputTail).toMatch(/No matching distribution found for PyYAML==5\.4\.1/);
  });

  test('when a Rust submission has no Cargo.lock or a path dependency, or a Maven one has modules or extensions, then the install refuses it before Cargo or Maven runs', async () => {
    const toml = '[package]\nname = "x"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n';
    const unlocked = await gradeEnvEcho(dirWith({ 'Cargo.toml': `${toml}itoa = "1"\n`, 'src/main.rs': '' }));
    expect(unlocked.status).toBe('error');
    expect(unlocked.reason).toMatch(/^Cargo\.lock is missing: commit it/);
    const local = await gradeEnvEcho(
      dirWith({ 'Cargo.toml': `${toml}secrets = { path = "/etc" }\n`, 'Cargo.lock': 'version = 3\n' }),
    );
    expect(local.status).toBe('error');
    expect(local.reason).toMatch(/has a path dependency/);
    const modules = await gradeEnvEcho(
      dirWith({ 'pom.xml': '<project><modules><module>../x</module></modules></project>' }),
    );
    expect(modules.status).toBe('error');
    expect(modules.reason).toMatch(/^pom\.xml has <modules>: a submission is one Maven module/);
    const extension = await gradeEnvEcho(
      dirWith({
        'pom.xml':
          '<project><build><plugins><plugin><artifactId>x</artifactId><extensions>true</extensions></plugin></plugins></build></project>',
      }),
    );
    expect(extension.status).toBe('error');
    expect(extension.reason).toMatch(/^pom\.xml declares Maven extensions/);
  });

  test('when a requirement is a path on this machine, then it is refused before pip runs', async () => {
    const r = await gradeEnvEcho(dirWith({ 'requirements.txt': '-e /work\n', 'main.py': '' }));
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/names a local path, an editable install or another requirements file/);
  });
});

describe("the harness's warm Go build cache", () => {
  test('when a Go build writes into the cache files it was given, then the harness copy every later grading links is unchanged', async () => {
    const canary = `bc-canary-${process.pid}-${Date.now()}`;
    const d = dirWith({
      'go.mod': 'module x\n\ngo 1.22\n',
      'main.go': 'package main\n\nfunc main() {}\n',
      '.backend-challenge.json': JSON.stringify({
        // Every linked file of the warm cache: appended to, made writable, replaced.
        build: `for f in $(find .cache/go-build -type f | head -50); do echo ${canary} >> "$f"; chmod u+w "$f"; echo ${canary} >> "$f"; done; exit 0`,
        start: 'exit 1',
      }),
    });
    const r = await gradeEnvEcho(d);
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/crashed during start-up/);
    // The warm Go caches only (a grading links `<lockfile>/go-build`, seeded from `go-shared-*`):
    // the whole cache root is gigabytes of wheels and jars, and its grep alone outran the test's
    // two minutes on a busy machine.
    const goCaches = readdirSync(cacheRoot())
      .map((n) => (n.startsWith('go-shared-') ? join(cacheRoot(), n) : join(cacheRoot(), n, 'go-build')))
      .filter((p) => existsSync(p));
    expect(goCaches.length).toBeGreaterThan(0);
    const poisoned = spawnSync('grep', ['-rl', canary, ...goCaches], { encoding: 'utf8' });
    expect(poisoned.stdout).toBe('');
    // The attempt was real: the build reached the linked files, and its writes were refused.
    expect(r.candidate.outputTail).toMatch(/Permission denied|Operation not permitted/);
  });
});
