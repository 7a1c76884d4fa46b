import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { exportChallenge } from '../src/export.ts';
import { availableChallenges, graderDirFor, loadGrader, REPO_ROOT } from '../src/graders.ts';
import { filesUnder } from '../src/provenance.ts';
import { tempDir } from './temp-dir.ts';

const require = createRequire(import.meta.url);

/** Every file under `dir` (relative paths), skipping installed and generated trees. */
function filesOf(dir: string): string[] {
  const skip = new Set(['node_modules', 'dist', '.turbo', '.vitest-results.json', '.grade', 'starters']);
  return filesUnder(dir, (n) => skip.has(n)).sort();
}

/** Lines long enough to be distinctive, as written (patch lines without their +/- column). */
function distinctiveLines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return text
    .split('\n')
    .map((l) => (file.endsWith('.patch') ? l.replace(/^[+\- ]/, '') : l).trim())
    .filter((l) => l.length >= 24);
}

/**
 * What of `challenge`'s grader shows in the exported repository `out`: grader-only lines (in the
 * hidden tests, steps, rubric, stubs, reference, mutants and fixtures, and not in the starter,
 * which may share boilerplate with the reference), hidden items' titles and hints, paths into
 * the monorepo's graders.
 */
async function leaksIn(out: string, challenge: string): Promise<string[]> {
  const starter = join(REPO_ROOT, 'challenges', challenge);
  const graderDir = graderDirFor(challenge);
  const exported = filesOf(out).map((f) => ({ f, text: readFileSync(join(out, f), 'utf8') }));
  // Every starter, in every language: a grader's alternative in Go pins the same modules as the
  // Go starter, and those lines are the candidate's already.
  const starterText = filesUnder(starter, (n) => n === 'node_modules' || n === 'dist' || n.startsWith('.'))
    .map((f) => readFileSync(join(starter, f), 'utf8'))
    .join('\n');
  const graderOnly = new Set(
    filesOf(graderDir)
      .flatMap((f) => distinctiveLines(join(graderDir, f)))
      .filter((l) => !starterText.includes(l)),
  );
  // A check with nothing to look for would pass vacuously.
  expect(graderOnly.size).toBeGreaterThan(100);
  const { rubric } = await loadGrader(graderDir);
  const secrets = rubric
    .filter((r) => r.visibility === 'hidden')
    .flatMap((r) => [r.title, r.hint])
    .filter((s) => !starterText.includes(s));
  return exported.flatMap(({ f, text }) => [
    ...[...graderOnly].filter((l) => text.includes(l)).map((l) => `${f}: grader line "${l}"`),
    ...secrets.filter((x) => text.includes(x)).map((x) => `${f}: hidden item text "${x}"`),
    ...(/graders\/|@bc\/|\.patch\b(?!\s*\()/.test(text) ? [`${f}: names the monorepo's graders`] : []),
  ]);
}

const GENERATED = ['.backend-challenge.json', '.github/workflows/grade.yml', '.gitignore'];

describe('pnpm export', () => {
  test.each(availableChallenges())(
    'when %s is exported, then the repository holds the starter, its README, visible tests, lockfile, .gitignore and workflow, and nothing of its grader',
    async (challenge) => {
      const out = join(tempDir('bc-export-'), 'repo');
      const starter = join(REPO_ROOT, 'challenges', challenge);
      const files = await exportChallenge(challenge, out);
      expect(files).toEqual([...filesOf(starter), ...GENERATED].sort());
      expect(files).toContain('package-lock.json');
      expect(files.filter((f) => f.startsWith('test/')).length).toBeGreaterThan(0);

      expect(await leaksIn(out, challenge)).toEqual([]);
      expect(JSON.parse(readFileSync(join(out, '.backend-challenge.json'), 'utf8'))).toEqual({ challenge });
    },
  );

  test.each(['go', 'python'] as const)(
    'when url-shortener is exported in %s, then the repository holds that starter, the README with its notes, the visible tests as a package of their own, and nothing of the grader',
    async (language) => {
      const out = join(tempDir('bc-export-'), 'repo');
      const own = join(REPO_ROOT, 'challenges', 'url-shortener', 'starters', language);
      const files = await exportChallenge('url-shortener', out, language);
      const visible = [
        'visible-tests/package.json',
        'visible-tests/test/visible.test.ts',
        'visible-tests/vitest.config.ts',
      ];
      expect(files).toEqual(
        [
          ...filesOf(own).filter((f) => f !== 'NOTES.md' && f !== '.gitignore'),
          'README.md',
          ...visible,
          ...GENERATED,
        ].sort(),
      );
      expect(JSON.parse(readFileSync(join(out, '.backend-challenge.json'), 'utf8'))).toEqual({
        challenge: 'url-shortener',
        language,
      });
      const readme = readFileSync(join(out, 'README.md'), 'utf8');
      expect(readme).toContain(readFileSync(join(own, 'NOTES.md'), 'utf8').split('\n')[0]);
      expect(readme).toContain(
        'cd visible-tests && npm install && TARGET_URL=http://localhost:3000 npm test',
      );
      expect(await leaksIn(out, 'url-shortener')).toEqual([]);
    },
  );

  test('when a challenge gives development helpers (the cache its stand-in origin), then an export in any language has them', async () => {
    const out = join(tempDir('bc-export-'), 'repo');
    const files = await exportChallenge('cache', out, 'go');
    expect(files).toEqual(expect.arrayContaining(['dev/origin.mjs', 'main.go', 'go.mod', 'go.sum']));
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('node dev/origin.mjs');
    expect(await leaksIn(out, 'cache')).toEqual([]);
  });

  test('when a challenge has no starter in the language asked for, then export says which it has', async () => {
    await expect(exportChallenge('saga', join(tempDir('bc-export-'), 'repo'), 'rust')).rejects.toThrow(
      'challenge "saga" has no rust starter (challenges/saga/starters/rust); it has: typescript, go, python',
    );
  });

  test('when a hidden test, reference code or a mutant is slipped into an export, then the leak check names each', async () => {
    const out = join(tempDir('bc-export-'), 'repo');
    await exportChallenge('url-shortener', out);
    const g = graderDirFor('url-shortener');
    const hidden = readdirSync(join(g, 'test')).find((f) => f.endsWith('.test.ts'))!;
    cpSync(join(g, 'test', hidden), join(out, 'test', hidden));
    const ref = readdirSync(join(g, 'reference/src')).find((f) => !existsSync(join(out, 'src', f)))!;
    cpSync(join(g, 'reference/src', ref), join(out, 'src', ref));
    const mutant = readdirSync(join(g, 'mutants')).find((f) => f.endsWith('.patch'))!;
    cpSync(join(g, 'mutants', mutant), join(out, mutant));
    const leaks = await leaksIn(out, 'url-shortener');
    for (const f of [`test/${hidden}`, `src/${ref}`, mutant])
      expect(
        leaks.some((l) => l.startsWith(`${f}: `)),
        f,
      ).toBe(true);
  });

  test('when the target directory is not empty, then export refuses (exit 2) and writes nothing', () => {
    const dir = tempDir('bc-export-');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        require.resolve('tsx'),
        join(REPO_ROOT, 'shared/harness/src/export-cli.ts'),
        'url-shortener',
        REPO_ROOT,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^export: .* exists and is not empty/);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });
});
