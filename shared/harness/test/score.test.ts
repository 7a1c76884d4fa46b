import { describe, expect, test } from 'vitest';
import { toExercism, toJunit, toMarkdown } from '../src/report/formats.ts';
import { band, categoryScores, scoreItems, scoreRun, summaryText } from '../src/report/score.ts';
import type { TestOutcome } from '../src/runner/vitest.ts';
import { combineResults } from '../src/testing.ts';
import type { GradeResult, GraderDefinition, RubricItem } from '../src/types.ts';
import { SAMPLE_RUNTIME } from './sample-result.ts';

const rubric: RubricItem[] = [
  { slug: 'a', title: 'A works', points: 5, category: 'correctness', visibility: 'visible', hint: 'do A' },
  {
    slug: 'b',
    title: 'B <survives> & "quotes"',
    points: 3,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'do B',
  },
  { slug: 'c', title: 'C is fast', points: 4, category: 'performance', visibility: 'hidden', hint: 'do C' },
  { slug: 'd', title: 'D never ran', points: 2, category: 'security', visibility: 'hidden', hint: 'do D' },
];

const outcome = (
  slug: string,
  state: TestOutcome['state'],
  extra: Partial<TestOutcome> = {},
): TestOutcome => ({
  slug,
  state,
  message: '',
  durationMs: 10,
  ...extra,
});

function sample(): GradeResult {
  const tests = scoreItems(
    rubric,
    new Map([
      ['a', outcome('a', 'passed')],
      ['b', outcome('b', 'failed', { message: 'Expected: 400\nGot: 500 <html>' })],
      ['c', outcome('c', 'passed', { awarded: 2.5, note: 'throughput 0.5×' })],
    ]),
    'Not run.',
  );
  const categories = categoryScores(tests);
  return {
    output: 'Scored 7.5/14.',
    skipped: [],
    score: 7.5,
    max_score: 14,
    execution_time: 1,
    tests,
    status: 'graded',
    challenge: 'demo',
    categories,
    band: band(categories),
    sandbox: {
      mode: 'bwrap',
      network: 'loopback-only',
      filesystem: 'read-only outside work dir',
      user: 'uid 65534',
      limits: { memoryMb: 1, pids: 1, outputBytes: 1, enforcedBy: [] },
      isolation: 'isolated',
    },
    services: {},
    seed: 1,
    phases: [],
    candidate: { verdicts: [], outputTail: '' },
    runtime: SAMPLE_RUNTIME,
    harness: { version: '0', node: 'v20' },
    provenance: {
      grader: { commit: null, dirty: false, suiteSha256: '0'.repeat(64) },
      submission: { commit: null, dirty: null },
    },
  };
}

describe('scoring', () => {
  test('when tests pass, fail, award partial credit or never run, then each gets the right score and output', () => {
    const [a, b, c, d] = sample().tests;
    expect(a).toMatchObject({ score: 5, status: 'passed', output: '' });
    expect(a).not.toHaveProperty('hint');
    expect(b).toMatchObject({
      score: 0,
      status: 'failed',
      output: 'Expected: 400\nGot: 500 <html>',
      hint: 'do B',
    });
    expect(c).toMatchObject({ score: 2.5, max_score: 4, status: 'failed', output: 'throughput 0.5×' });
    expect(d).toMatchObject({ score: 0, status: 'failed', output: 'Not run.' });
  });

  test('when a test awards more than its points or less than zero, then the award is clamped', () => {
    const [over] = scoreItems(
      rubric.slice(0, 1),
      new Map([['a', outcome('a', 'passed', { awarded: 99 })]]),
      '',
    );
    const [under] = scoreItems(
      rubric.slice(0, 1),
      new Map([['a', outcome('a', 'passed', { awarded: -3 })]]),
      '',
    );
    expect(over!.score).toBe(5);
    expect(under!.score).toBe(0);
  });

  test('when only some items are selected, then the others are listed as skipped, count in neither score nor max, and no band is given', () => {
    const r = scoreRun(rubric, new Map([['a', outcome('a', 'passed')]]), {
      notRun: 'Not run.',
      only: ['a', 'b'],
    });
    expect(r.tests.map((t) => t.id)).toEqual(['a', 'b']);
    expect(r.max_score).toBe(8);
    expect(r.score).toBe(5);
    expect(r.skipped.map((t) => t.id)).toEqual(['c', 'd']);
    // A passing subset must not read as "senior" for want of the categories it skipped.
    expect(r.band).toBe('unrated');
    expect(summaryText({ ...sample(), ...r })).toMatch(
      /^Scored 5\/8 \(no band: only part of the rubric was graded\)\./,
    );
  });

  test('when a result is summarised, then the summary names the score, band and categories that lost points', () => {
    const r = sample();
    expect(summaryText(r)).toBe(
      'Scored 7.5/14, band junior. Points lost in robustness 0/3, security 0/2, performance 2.5/4.',
    );
    expect(summaryText({ ...r, status: 'error', reason: 'the build failed' })).toBe(
      'Could not be graded: the build failed',
    );
  });

  test('when categories pass or fail, then the band follows: none, junior, mid, senior', () => {
    const cat = (name: string, score: number) => ({ name, score, max_score: 10 }) as never;
    const all = ['correctness', 'robustness', 'security', 'concurrency', 'resilience', 'performance'];
    expect(band(all.map((n) => cat(n, 10)))).toBe('senior');
    expect(band(all.map((n) => cat(n, n === 'performance' ? 7 : 10)))).toBe('mid');
    expect(band(all.map((n) => cat(n, n === 'security' ? 0 : 10)))).toBe('junior');
    expect(band(all.map((n) => cat(n, n === 'correctness' ? 7.9 : 10)))).toBe('none');
  });
});

describe('report formats', () => {
  test('when written as JUnit, then special characters are escaped and failures carry output and hint', () => {
    const xml = toJunit(sample());
    expect(xml).toContain('B &lt;survives&gt; &amp; &quot;quotes&quot;');
    expect(xml).toContain('Got: 500 &lt;html&gt;');
    expect(xml).toContain('Hint: do B');
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml.match(/<failure /g)).toHaveLength(3);
  });

  test('when written for Exercism (v2), then every test has its test_code, statuses are pass/fail and failures have messages', () => {
    const ex = toExercism(sample()) as {
      version: number;
      status: string;
      tests: { status: string; message?: string; test_code: string }[];
    };
    // Version 2 requires test_code on every test; version 3 would also need task_id links.
    expect(ex.version).toBe(2);
    expect(ex.tests.every((t) => typeof t.test_code === 'string' && t.test_code.length > 0)).toBe(true);
    expect(ex.status).toBe('fail');
    expect(ex.tests.map((t) => t.status)).toEqual(['pass', 'fail', 'fail', 'fail']);
    expect(ex.tests[1]!.message).toContain('Hint: do B');
  });

  test('when an error result is written for Exercism, then it is a top-level error with the reason', () => {
    const r = {
      ...sample(),
      status: 'error' as const,
      reason: 'build failed',
      candidate: { verdicts: [], outputTail: 'TS2322' },
    };
    expect(toExercism(r)).toEqual({ version: 2, status: 'error', message: 'build failed\n\nTS2322' });
  });

  test('when written as Markdown, then the table lists categories and each lost item is explained', () => {
    const md = toMarkdown(sample());
    expect(md).toContain('| correctness | 5 / 5 (100 %) |');
    expect(md).toContain('✗ <b>B &lt;survives&gt;');
    expect(md).toContain('Hint: do B');
    expect(md).not.toContain('✗ <b>A works');
  });
});

describe('results of one submission graded in parts', () => {
  test('when a quick part and a load part are combined, then scores, categories and band cover both', () => {
    const whole = sample();
    const part = (ids: string[]): GradeResult => {
      const tests = whole.tests.filter((t) => ids.includes(t.id));
      const categories = categoryScores(tests);
      return { ...whole, tests, categories, band: band(categories), score: 0, max_score: 0 };
    };
    const def = { rubric } as unknown as GraderDefinition;
    // The load part first: the combination is in rubric order whatever the order of the parts.
    const combined = combineResults(def, [part(['c']), part(['a', 'b'])]);
    expect(combined.tests.map((t) => t.id)).toEqual(['a', 'b', 'c']);
    expect({ score: combined.score, max: combined.max_score }).toEqual({ score: 7.5, max: 12 });
    expect(combined.categories).toEqual(categoryScores(combined.tests));
    expect(combined.skipped.map((s) => s.id)).toEqual(['d']);
    // Item d was graded by neither part: no band for part of a rubric.
    expect(combined.band).toBe('unrated');
    const whole2 = combineResults(def, [part(['c', 'd']), part(['a', 'b'])]);
    expect(whole2.band).toBe(band(whole2.categories));
  });
});
