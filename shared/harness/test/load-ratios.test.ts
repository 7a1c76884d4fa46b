import { describe, expect, test } from 'vitest';
import { latencyRatio, linearShare, quantile, showMs } from '../src/kit/load.ts';
import { toHtml } from '../src/report/html.ts';
import { sampleResult } from './sample-result.ts';

const round = (c: number, b: number) => ({ candidate: { p50: c, p99: c }, baseline: { p50: b, p99: b } });

describe('load rounds in which nothing completed', () => {
  test('when a round completed no request, then its latency is the worst, never 0', () => {
    expect(quantile([], 0.99)).toBe(Number.POSITIVE_INFINITY);
    expect(showMs(quantile([], 0.5))).toBe('no answer');
  });

  test('when one round of three completed nothing, then it is the worst round and the median ignores it', () => {
    expect(latencyRatio([round(Number.POSITIVE_INFINITY, 8), round(10, 8), round(12, 8)], 'p50')).toBeCloseTo(
      1.5,
    );
  });

  test('when most rounds completed nothing, then the ratio is infinite and earns no points', () => {
    const r = latencyRatio(
      [round(Number.POSITIVE_INFINITY, 8.71), round(Number.POSITIVE_INFINITY, 9), round(5, 8)],
      'p99',
    );
    expect(r).toBe(Number.POSITIVE_INFINITY);
    expect(linearShare(-r, -2, -10)).toBe(0);
    expect(linearShare(Number.NaN, 2, 10)).toBe(0);
  });

  test('when the report plots a round without a latency (null in the JSON), then it draws the worst bar and says so', () => {
    const r = sampleResult();
    const t = r.tests[0]!;
    t.rounds = [
      { candidate: { rps: 0, p50: null, p99: null }, baseline: { rps: 900, p50: 3, p99: 8 } },
    ] as never;
    const html = toHtml(r);
    expect(html).toContain('no request completed');
    expect(html).not.toMatch(/NaN|Infinity/);
  });
});
