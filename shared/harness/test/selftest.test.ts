import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../src/graders.ts';
import { type GraderLayout, graderLayout } from '../src/selftest/layout.ts';
import { GradingScheduler } from '../src/selftest/scheduler.ts';
import {
  currentVisibleRecord,
  kitFilesOf,
  readValidation,
  recordText,
  recordValidationPart,
  startersHash,
  validatedAlternatives,
  visibleHash,
  writeAlternativeValidation,
  writeValidation,
  writeVisibleRecord,
} from '../src/selftest/validated.ts';
import { tempDir } from './temp-dir.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the self-validation scheduler', () => {
  test('when gradings wait for a slot, then those of lower priority start first, the rest in order of arrival', async () => {
    const s = new GradingScheduler({ width: 1 });
    const started: string[] = [];
    const job = (label: string, priority: number) =>
      s.run(
        false,
        async () => {
          started.push(label);
          await sleep(5);
        },
        label,
        priority,
      );
    // The first takes the only slot; the rest queue behind it, a measuring one last to arrive.
    await Promise.all([job('first', 1), job('starter', 1), job('mutant', 1), job('reference', 0)]);
    expect(started).toEqual(['first', 'reference', 'starter', 'mutant']);
    expect(s.peak).toBe(1);
  });

  test('when it is stopped, then the gradings waiting and any asked for later reject without running, and the one running ends', async () => {
    const s = new GradingScheduler({ width: 1 });
    const started: string[] = [];
    const job = (label: string) =>
      s.run(false, async () => {
        started.push(label);
        await sleep(30);
        return label;
      });
    const running = job('running');
    const waiting = job('waiting');
    await sleep(5);
    s.stop(new Error('interrupted by SIGTERM'));
    await expect(waiting).rejects.toThrow('interrupted by SIGTERM');
    await expect(job('later')).rejects.toThrow('interrupted by SIGTERM');
    await expect(running).resolves.toBe('running');
    expect(started).toEqual(['running']);
  });
});

describe('the starter record', () => {
  function layoutIn(root: string): GraderLayout {
    const graderDir = join(root, 'graders', 'x');
    const starter = join(root, 'challenges', 'x', 'starters', 'go');
    mkdirSync(join(graderDir, 'selftest'), { recursive: true });
    mkdirSync(join(graderDir, 'fixtures', 'alternative'), { recursive: true });
    mkdirSync(starter, { recursive: true });
    writeFileSync(join(graderDir, 'rubric.ts'), 'export const rubric = [];\n');
    writeFileSync(join(starter, 'main.go'), 'package main\n');
    writeFileSync(join(graderDir, 'selftest', 'starter-go.golden.txt'), '## create\nExpected: 201\n');
    return graderLayout('x', root);
  }

  test("when a starter, its golden file or the grader changes, then its hash does, and the grader's other self-test files change nothing", () => {
    const layout = layoutIn(tempDir('bc-starters-hash-'));
    const [{ dir, golden }] = layout.languageStarters as [GraderLayout['languageStarters'][0]];
    const seen = [startersHash(layout)];
    writeFileSync(join(layout.graderDir, 'selftest', 'starters-validated.json'), '{}\n');
    expect(startersHash(layout), 'writing the record changes what it names').toBe(seen[0]);
    for (const change of [
      () => writeFileSync(join(dir, 'main.go'), 'package main // changed\n'),
      () => writeFileSync(golden, '## create\nExpected: 201 Created\n'),
      () => writeFileSync(join(layout.graderDir, 'rubric.ts'), 'export const rubric = [1];\n'),
    ]) {
      change();
      const h = startersHash(layout);
      expect(seen).not.toContain(h);
      seen.push(h);
    }
  });
});

describe('the visible tests record', () => {
  test('when the starter, its visible tests, the reference or the visible grader change, then the record no longer holds, and writing it changes nothing it names', () => {
    const root = tempDir('bc-visible-hash-');
    const graderDir = join(root, 'graders', 'x');
    const challenge = join(root, 'challenges', 'x');
    for (const d of [
      join(graderDir, 'selftest', 'visible-grader'),
      join(graderDir, 'reference'),
      join(graderDir, 'fixtures', 'alternative'),
      join(challenge, 'test'),
    ])
      mkdirSync(d, { recursive: true });
    const files = {
      visibleTest: join(challenge, 'test', 'visible.test.ts'),
      starter: join(challenge, 'app.ts'),
      reference: join(graderDir, 'reference', 'app.ts'),
      visibleGrader: join(graderDir, 'selftest', 'visible-grader', 'grader.config.ts'),
    };
    for (const f of Object.values(files)) writeFileSync(f, '// 1\n');
    const layout = graderLayout('x', root);
    const what = { tests: 4, viaExport: false };
    expect(currentVisibleRecord(layout, what)).toBeNull();
    writeVisibleRecord(layout, what);
    expect(currentVisibleRecord(layout, what)).toMatchObject(what);
    expect(currentVisibleRecord(layout, { tests: 5, viaExport: false }), 'another count of tests').toBeNull();
    const seen = [visibleHash(layout, what)];
    for (const [name, f] of Object.entries(files)) {
      writeFileSync(f, `// ${name} changed\n`);
      const h = visibleHash(layout, what);
      expect(seen, name).not.toContain(h);
      seen.push(h);
      expect(currentVisibleRecord(layout, what), name).toBeNull();
    }
  });
});

describe('the validation record', () => {
  test('when an alternative in another language changes, then only its own load items come back, until it is validated alone', () => {
    const graderDir = join(tempDir('bc-validated-'), 'graders', 'x');
    for (const d of ['selftest', 'fixtures/alternative', 'fixtures/alternative-go'])
      mkdirSync(join(graderDir, d), { recursive: true });
    writeFileSync(join(graderDir, 'rubric.ts'), 'export const rubric = [];\n');
    writeFileSync(join(graderDir, 'fixtures', 'alternative-go', 'main.go'), 'package main\n');
    const five = [100, 100, 100, 100, 100];
    writeValidation(graderDir, { seeds: 5, gradings: 20, seconds: 60, alternative: five }, { go: five });
    expect([...validatedAlternatives(graderDir)].sort()).toEqual(['go', 'typescript']);

    writeFileSync(join(graderDir, 'fixtures', 'alternative-go', 'main.go'), 'package main // changed\n');
    expect([...validatedAlternatives(graderDir)]).toEqual(['typescript']);
    writeAlternativeValidation(graderDir, 'go', five);
    expect([...validatedAlternatives(graderDir)].sort()).toEqual(['go', 'typescript']);
    expect(readValidation(graderDir)?.gradings, 'the grader part of the record is kept').toBe(20);

    // A change to the grader names neither any more.
    writeFileSync(join(graderDir, 'rubric.ts'), 'export const rubric = [1];\n');
    expect([...validatedAlternatives(graderDir)]).toEqual([]);
  });

  test('when a validation is made in parts, then it is recorded only once the parts cover the core and every mutant for the same files and seeds', () => {
    const graderDir = join(tempDir('bc-parts-'), 'graders', 'x');
    for (const d of ['selftest', 'fixtures/alternative']) mkdirSync(join(graderDir, d), { recursive: true });
    writeFileSync(join(graderDir, 'rubric.ts'), 'export const rubric = [];\n');
    const five = [100, 100, 100, 100, 100];
    const all = ['a', 'b', 'c'];
    const mutants = (names: string[]) => ({
      core: false,
      mutants: names,
      gradings: 5 * names.length,
      seconds: 100,
    });

    expect(recordValidationPart(graderDir, 5, mutants(['a']), all)).toEqual({
      core: true,
      mutants: ['b', 'c'],
    });
    // A part made for other files proves nothing of these: it is dropped.
    writeFileSync(join(graderDir, 'rubric.ts'), 'export const rubric = [1];\n');
    expect(recordValidationPart(graderDir, 5, mutants(['b']), all)).toEqual({
      core: true,
      mutants: ['a', 'c'],
    });
    // So is one made over another number of seeds.
    expect(recordValidationPart(graderDir, 3, mutants(['a']), all)).toEqual({
      core: true,
      mutants: ['b', 'c'],
    });
    expect(recordValidationPart(graderDir, 5, mutants(['b']), all)).toEqual({
      core: true,
      mutants: ['a', 'c'],
    });
    expect(recordValidationPart(graderDir, 5, mutants(['a', 'c']), all)).toEqual({ core: true, mutants: [] });
    expect(readValidation(graderDir), 'nothing recorded before the core').toBeNull();

    const core = { core: true, mutants: [], gradings: 14, seconds: 300, alternative: five };
    expect(recordValidationPart(graderDir, 5, core, all)).toBe('recorded');
    expect(readValidation(graderDir)).toMatchObject({
      seeds: 5,
      gradings: 5 + 10 + 14,
      seconds: 500,
      alternative: five,
    });
    expect(validatedAlternatives(graderDir)).toEqual(new Set(['typescript']));
    expect(existsSync(join(graderDir, 'selftest', 'validation-parts.json')), 'the parts file goes').toBe(
      false,
    );
  });

  test('when a record is written, then Biome would leave its text as it is', () => {
    const record = {
      hash: 'f'.repeat(64),
      seeds: 5,
      parts: [
        { date: '2026-12-02', core: true, mutants: [], gradings: 16, seconds: 2008, alternative: [100, 100] },
        { core: false, mutants: ['no-lock-timeout', 'lock-timeout-300ms'], gradings: 10, seconds: 1894 },
        // Too long for one line: Biome lays it out one name per line.
        { core: false, mutants: Array.from({ length: 9 }, (_, i) => `a-rather-long-mutant-name-${i}`) },
      ],
      languageScores: { go: [100, 100, 100, 100, 100] },
    };
    const text = recordText(record);
    expect(JSON.parse(text)).toEqual(record);
    const biome = join(REPO_ROOT, 'node_modules', '.bin', 'biome');
    const formatted = execFileSync(biome, ['format', '--stdin-file-path=record.json'], {
      cwd: REPO_ROOT,
      input: text,
      encoding: 'utf8',
    });
    expect(text).toBe(formatted);
  });
});

describe('the kit a validation names', () => {
  const kitModules = (): string[] =>
    readdirSync(join(REPO_ROOT, 'shared', 'harness', 'src', 'kit'))
      .filter((f) => f.endsWith('.ts'))
      .sort();
  const graderImporting = (...specifiers: string[]): string => {
    const graderDir = join(tempDir('bc-kit-'), 'graders', 'x');
    mkdirSync(join(graderDir, 'test'), { recursive: true });
    writeFileSync(
      join(graderDir, 'test', 'a.test.ts'),
      specifiers.map((s, i) => `import * as m${i} from '${s}';\n`).join(''),
    );
    return graderDir;
  };

  test('when a grader imports the kit by its front door, then it names every kit module but those a grader must import by name', () => {
    const named = [...kitFilesOf(graderImporting('@bc/harness/kit'))].sort();
    expect(named).toEqual(
      kitModules().filter((f) => !['deploy.ts', 'pg-admin.ts', 'pg-locks.ts'].includes(f)),
    );
  });

  test("when a grader imports a kit module by name, then that module is in its kit and in no other grader's", () => {
    const older = graderImporting('@bc/harness/kit');
    const newer = graderImporting('@bc/harness/kit', '@bc/harness/kit/pg-locks');
    expect(kitFilesOf(newer).has('pg-locks.ts')).toBe(true);
    // And what it imports in turn: the sampler connects with pg-admin's adminClient.
    expect(kitFilesOf(newer).has('pg-admin.ts')).toBe(true);
    expect(kitFilesOf(older).has('pg-locks.ts')).toBe(false);
    expect(kitFilesOf(older).has('pg-admin.ts')).toBe(false);
  });
});
