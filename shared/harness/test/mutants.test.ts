import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  goldenText,
  type Mutant,
  maskVarying,
  materializeMutant,
  mutantTable,
  readmeRules,
  removeDeadCopies,
  statedNumbers,
  withMutantTable,
} from '../src/mutants.ts';
import { ownedTempDir } from '../src/owned-dirs.ts';
import type { GradeResult } from '../src/types.ts';
import { tempDir } from './temp-dir.ts';

describe('README rules that state a number', () => {
  const readme = [
    '- (R1) `url`: at most 2,048 characters (2,048 is',
    '  allowed). Anything else is `400` (R14).',
    '- (R2) Dangerous schemes are `400`.',
    '- (R3) When Redis comes back, within **2 s** (0.5 s of margin).',
    '',
    '- (R4) full marks at ≥ 0.7× its throughput, an integer from 1 to 100, 3–32 characters.',
  ].join('\n');

  test('when rules span lines, then each is read whole, up to the next bullet or a blank line', () => {
    const rules = readmeRules(readme);
    expect([...rules.keys()]).toEqual(['R1', 'R2', 'R3', 'R4']);
    expect(rules.get('R1')).toBe(
      '`url`: at most 2,048 characters (2,048 is allowed). Anything else is `400` (R14).',
    );
  });

  test('when numbers are stated, then bounds with units, ranges and comparisons count, status codes and rule ids do not', () => {
    const rules = readmeRules(readme);
    expect(statedNumbers(rules.get('R1')!)).toEqual(['2,048 characters']);
    expect(statedNumbers(rules.get('R2')!)).toEqual([]);
    expect(statedNumbers(rules.get('R3')!)).toEqual(['2 s', '0.5 s']);
    expect(statedNumbers(rules.get('R4')!)).toEqual(['≥ 0.7×', '1 to 100', '3–32']);
  });
});

describe('golden failure text', () => {
  test('when a message holds numbers, ids, tokens and instants, then they are masked and the wording kept', () => {
    const text = [
      'Expected: 200 within 2.5 s for order 58f11eed-7b2a-4a6a-abf9-e70583cc375e (R13)   ',
      'Got:      cursor=eyJzIjoibmFtZSIsIm8iOiJhc2MiLCJjIjoiZXhhY3QtcGFnZXMi.wr3tHK6SzBiW47IFNouKcQ at 2025-01-14T21:19:00.000Z',
      'Sent:     GET /r/Ab3dEf9hIjKlMnOp2 after 1502 ms, 7 of 8 got 429',
    ].join('\n');
    expect(maskVarying(text)).toBe(
      [
        'Expected: 200 within # s for order <uuid> (R13)',
        'Got:      cursor=<token> at <instant>',
        'Sent:     GET /r/<token> after # ms, # of # got 429',
      ].join('\n'),
    );
  });
});

describe('golden files', () => {
  test('when items lost points, then each keeps its first line and its rules, not what the service sent back', () => {
    const r = {
      tests: [
        { id: 'ok', score: 3, max_score: 3, tags: ['correctness'], output: '' },
        {
          id: 'stats',
          score: 0,
          max_score: 4,
          tags: ['correctness'],
          output:
            'Expected: clicks = 5 after 3 redirects\nSent:     GET /api/v1/urls/xFcDdrl/stats\nGot:      200\n          {"code":"xFcDdrl"}\nREADME rule: R10',
        },
        { id: 'perf', score: 1, max_score: 5, tags: ['performance'], output: 'Expected: more' },
      ],
    } as unknown as GradeResult;
    expect(goldenText(r)).toBe('## stats\nExpected: clicks = # after # redirects\nREADME rule: R10\n');
  });
});

describe('the generated table of mutants/README.md', () => {
  test('when made from headers, then columns are padded as the formatter writes them and the file round-trips', () => {
    const table = mutantTable([
      {
        name: 'a',
        target: 'correctness',
        fails: [{ slug: 'item-one', partial: false }],
        bug: 'x | y',
        withLoad: false,
        patchFile: '/a.patch',
      },
    ]);
    expect(table.split('\n').slice(1, 4)).toEqual([
      '| mutant | targets     | fails    | boundary | bug    |',
      '| ------ | ----------- | -------- | -------- | ------ |',
      '| a      | correctness | item-one |          | x \\| y |',
    ]);
    const readme = `# Mutants\n\n${table}\n`;
    expect(withMutantTable(readme, table)).toBe(readme);
  });
});

describe('materializing a mutant', () => {
  test('when its patch no longer applies, then it throws and leaves no copy in the temp dir', () => {
    const reference = tempDir('bc-mutant-ref-');
    writeFileSync(join(reference, 'app.ts'), 'export const limit = 50;\n');
    const patchFile = join(tempDir('bc-mutant-patch-'), 'stale.patch');
    writeFileSync(
      patchFile,
      [
        'diff --git app.ts app.ts',
        '--- app.ts',
        '+++ app.ts',
        '@@ -1 +1 @@',
        '-export const limit = 100;',
        '+export const limit = 101;',
        '',
      ].join('\n'),
    );
    const mutant: Mutant = {
      name: `stale-${process.pid}`,
      target: 'correctness',
      fails: [],
      bug: 'a patch made for an older reference',
      withLoad: false,
      patchFile,
    };
    const leftovers = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`bc-mutant-${mutant.name}-`));
    expect(() => materializeMutant(reference, mutant)).toThrow();
    expect(leftovers()).toEqual([]);
  });

  test("when a self-validation was killed before removing its copies, then the next removes them and leaves a live one's", () => {
    const dead = ownedTempDir(tmpdir(), `bc-mutant-dead-owner-${process.pid}-`);
    const live = ownedTempDir(tmpdir(), `bc-mutant-live-owner-${process.pid}-`);
    // The pid of a process that has exited: the owner of a copy left behind.
    writeFileSync(join(dead, 'owner'), String(spawnSync('true').pid));
    try {
      removeDeadCopies();
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      rmSync(live, { recursive: true, force: true });
    }
  });
});
