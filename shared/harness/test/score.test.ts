import { describe, expect, test } from 'vitest';
import { toExercism, toJunit, toMarkdown } from '../src/report/formats.ts';
import { band, categoryScores, scoreItems } from '../src/report/score.ts';
import type { TestOutcome } from '../src/runner/vitest.ts';
import type { GradeResult, RubricItem } from '../src/types.ts';

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
    },
    services: {},
    seed: 1,
    phases: [],
    candidate: { verdicts: [], outputTail: '' },
    harness: { version: '0', node: 'v20' },
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

  test('when written for Exercism (v3), then statuses are pass/fail and failures have messages', () => {
    const ex = toExercism(sample()) as {
      version: number;
      status: string;
      tests: { status: string; message?: string }[];
    };
    expect(ex.version).toBe(3);
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
    expect(toExercism(r)).toEqual({ version: 3, status: 'error', message: 'build failed\n\nTS2322' });
  });

  test('when written as Markdown, then the table lists categories and each lost item is explained', () => {
    const md = toMarkdown(sample());
    expect(md).toContain('| correctness | 5 / 5 (100%) |');
    expect(md).toContain('✗ <b>B &lt;survives&gt;');
    expect(md).toContain('Hint: do B');
    expect(md).not.toContain('✗ <b>A works');
  });
});
