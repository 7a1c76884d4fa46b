import autocannon from 'autocannon';

/** Throughput and latency of one load run. */
export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** Responses whose status was not the one expected. */
  unexpected: number;
}

/**
 * Closed-loop load with autocannon against `urls` (round-robin), expecting `status`. Short and
 * bounded: the whole performance phase of a challenge must stay under ~15 s.
 */
export async function measureLoad(
  urls: string[],
  opts: { durationSec: number; connections: number; expectStatus: number },
): Promise<LoadResult> {
  const first = new URL(urls[0]!);
  const result = await autocannon({
    url: first.origin,
    connections: opts.connections,
    duration: opts.durationSec,
    pipelining: 1,
    requests: urls.map((u) => ({ method: 'GET', path: new URL(u).pathname })),
  });
  const ok =
    (result.statusCodeStats as Record<string, { count: number }>)[String(opts.expectStatus)]?.count ?? 0;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    unexpected: result.requests.total - ok,
  };
}

/**
 * Candidate and baseline measured alternately (B, C, B, C…) so drift on a shared machine hits both
 * alike; the best round of each is compared.
 */
export async function compareToBaseline(
  candidate: string[],
  baseline: string[],
  opts: {
    rounds: number;
    durationSec: number;
    connections: number;
    expectStatus: number;
    warmupSec?: number;
  },
): Promise<{
  candidate: LoadResult;
  baseline: LoadResult;
  throughputRatio: number;
  p99Ratio: number;
  /** Every measured round, in order, for callers that aggregate differently. */
  rounds: { candidate: LoadResult; baseline: LoadResult }[];
}> {
  // Warm-up: JIT, connection pools and caches of both sides.
  await measureLoad(baseline, { ...opts, durationSec: opts.warmupSec ?? 1 });
  await measureLoad(candidate, { ...opts, durationSec: opts.warmupSec ?? 1 });
  const c: LoadResult[] = [];
  const b: LoadResult[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    b.push(await measureLoad(baseline, opts));
    c.push(await measureLoad(candidate, opts));
  }
  const best = (xs: LoadResult[]): LoadResult => xs.reduce((a, x) => (x.rps > a.rps ? x : a));
  const bc = best(c);
  const bb = best(b);
  const bestP99 = (xs: LoadResult[]): number => Math.min(...xs.map((x) => x.p99));
  return {
    candidate: bc,
    baseline: bb,
    throughputRatio: bb.rps > 0 ? bc.rps / bb.rps : 0,
    p99Ratio: bestP99(b) > 0 ? bestP99(c) / bestP99(b) : Number.POSITIVE_INFINITY,
    rounds: c.map((candidate, i) => ({ candidate, baseline: b[i]! })),
  };
}
