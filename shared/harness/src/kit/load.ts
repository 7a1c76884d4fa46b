import autocannon from 'autocannon';
import { withExclusive } from '../load-lock.ts';

/** Throughput and latency of one load run (latencies in ms, exact, sub-millisecond). */
export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** Responses whose status was not an expected one. */
  unexpected: number;
}

/** The statuses a load run expects: one, or an inclusive range such as [300, 399]. */
export type ExpectedStatus = number | [number, number];

const isExpected = (status: number, e: ExpectedStatus): boolean =>
  typeof e === 'number' ? status === e : status >= e[0] && status <= e[1];

/** One request of a load run: what autocannon sends, round-robin over the list. */
export interface LoadRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A load target: plain URLs (GET) or full requests. */
export type LoadTarget = string | LoadRequest;

const asRequest = (t: LoadTarget): LoadRequest => (typeof t === 'string' ? { url: t } : t);

/**
 * The q-quantile of sorted values (nearest rank). Of nothing it is +Infinity: a round in which
 * no request completed is the worst measurement, never the best.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.POSITIVE_INFINITY;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * The share of a performance item's points for a measured ratio: 1 at `full`, 0 at `zero`,
 * linear in between (either direction: for latency ratios pass `full` < `zero`).
 */
export function linearShare(x: number, full: number, zero: number): number {
  const share = (x - zero) / (full - zero);
  // ∞ / ∞ (nothing measured on either side) earns nothing.
  return Number.isNaN(share) ? 0 : Math.max(0, Math.min(1, share));
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Closed-loop load with autocannon against `targets` (round-robin, one origin), expecting
 * `expectStatus`. Percentiles come from every response time autocannon measured (its histogram
 * rounds to whole milliseconds, too coarse for a 2 ms p99).
 */
let measuring = 0;

/**
 * Run `fn` (a load measurement) alone on the machine when the grading is one of a batch: it
 * waits until no other grading runs, and none starts meanwhile. Outside a batch, or nested in
 * another measurement, it just runs.
 */
export async function exclusiveLoad<T>(fn: () => Promise<T>): Promise<T> {
  const dir = process.env.BC_LOAD_LOCK;
  const owner = process.env.BC_LOAD_OWNER;
  measuring++;
  try {
    return dir && owner && measuring === 1 ? await withExclusive(dir, owner, fn) : await fn();
  } finally {
    measuring--;
  }
}

export async function measureLoad(
  targets: LoadTarget[],
  opts: { durationSec: number; connections: number; expectStatus: ExpectedStatus },
): Promise<LoadResult> {
  return exclusiveLoad(() => measureLoadNow(targets, opts));
}

async function measureLoadNow(
  targets: LoadTarget[],
  opts: { durationSec: number; connections: number; expectStatus: ExpectedStatus },
): Promise<LoadResult> {
  const reqs = targets.map(asRequest);
  const first = new URL(reqs[0]!.url);
  const times: number[] = [];
  let finish: (r: autocannon.Result) => void = () => {};
  let failRun: (e: Error) => void = () => {};
  const finished = new Promise<autocannon.Result>((res, rej) => {
    finish = res;
    failRun = rej;
  });
  // The callback form returns the instance, whose 'response' events carry each response time.
  const instance = autocannon(
    {
      url: first.origin,
      connections: opts.connections,
      duration: opts.durationSec,
      pipelining: 1,
      requests: reqs.map((r) => {
        const u = new URL(r.url);
        return {
          method: (r.method ?? 'GET') as autocannon.Request['method'],
          path: u.pathname + u.search,
          ...(r.headers ? { headers: r.headers } : {}),
          ...(r.body !== undefined ? { body: r.body } : {}),
        };
      }),
    },
    (err, r) => (err ? failRun(err) : finish(r)),
  );
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    times.push(ms);
  });
  const result = await finished;
  // A request that never got an answer took longer than any that did.
  for (let i = 0; i < result.timeouts; i++) times.push(Number.POSITIVE_INFINITY);
  const sorted = Float64Array.from(times).sort();
  const ok = Object.entries(result.statusCodeStats as Record<string, { count: number }>)
    .filter(([status]) => isExpected(Number(status), opts.expectStatus))
    .reduce((sum, [, s]) => sum + s.count, 0);
  return {
    rps: result.requests.total / opts.durationSec,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    unexpected: result.requests.total - ok,
  };
}

/**
 * Median over rounds of the candidate's latency over the baseline's in the same round; a round
 * where the candidate completed nothing is +Infinity (the worst), as is one the baseline could
 * not measure.
 */
export function latencyRatio(
  rounds: readonly { candidate: { p50: number; p99: number }; baseline: { p50: number; p99: number } }[],
  pick: 'p50' | 'p99',
): number {
  return median(
    rounds.map((r) =>
      r.baseline[pick] > 0 && Number.isFinite(r.baseline[pick])
        ? r.candidate[pick] / r.baseline[pick]
        : Number.POSITIVE_INFINITY,
    ),
  );
}

/** A latency for failure text and measures: "no request completed" when there is none. */
export const showMs = (ms: number): string => (Number.isFinite(ms) ? `${ms.toFixed(2)} ms` : 'no answer');

/** A ratio for measures: "∞" when the candidate completed nothing. */
export const showRatio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '∞');

/** A candidate measured against a baseline in the same run. */
export interface Comparison {
  candidate: LoadResult;
  baseline: LoadResult;
  /** Median over rounds of candidate rps / baseline rps in the same round. */
  throughputRatio: number;
  /** Median over rounds of candidate p99 / baseline p99 in the same round. */
  p99Ratio: number;
  /** Every measured round, in order. */
  rounds: { candidate: LoadResult; baseline: LoadResult }[];
  /** The warm-up runs before the rounds (they count as traffic the services served). */
  warmup: { candidate: LoadResult; baseline: LoadResult };
}

/**
 * Candidate and baseline measured alternately (B, C, B, C…) so drift on a shared machine hits both
 * alike; each round gives a ratio and the median ratio is reported, so one noisy round moves
 * nothing.
 */
export async function compareToBaseline(
  candidate: LoadTarget[],
  baseline: LoadTarget[],
  opts: {
    rounds: number;
    durationSec: number;
    connections: number;
    expectStatus: ExpectedStatus;
    warmupSec?: number;
  },
): Promise<Comparison> {
  return exclusiveLoad(() => compareNow(candidate, baseline, opts));
}

async function compareNow(
  candidate: LoadTarget[],
  baseline: LoadTarget[],
  opts: Parameters<typeof compareToBaseline>[2],
): Promise<Comparison> {
  // Warm-up: JIT, connection pools and caches of both sides.
  const warmup = {
    baseline: await measureLoad(baseline, { ...opts, durationSec: opts.warmupSec ?? 1 }),
    candidate: await measureLoad(candidate, { ...opts, durationSec: opts.warmupSec ?? 1 }),
  };
  const rounds: { candidate: LoadResult; baseline: LoadResult }[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    const b = await measureLoad(baseline, opts);
    const c = await measureLoad(candidate, opts);
    rounds.push({ candidate: c, baseline: b });
  }
  const med = (pick: (r: LoadResult) => number, of: 'candidate' | 'baseline'): number =>
    median(rounds.map((r) => pick(r[of])));
  const summary = (of: 'candidate' | 'baseline'): LoadResult => ({
    rps: med((r) => r.rps, of),
    p50: med((r) => r.p50, of),
    p99: med((r) => r.p99, of),
    requests: rounds.reduce((s, r) => s + r[of].requests, 0),
    errors: rounds.reduce((s, r) => s + r[of].errors, 0),
    unexpected: rounds.reduce((s, r) => s + r[of].unexpected, 0),
  });
  return {
    candidate: summary('candidate'),
    baseline: summary('baseline'),
    throughputRatio: median(rounds.map((r) => (r.baseline.rps > 0 ? r.candidate.rps / r.baseline.rps : 0))),
    p99Ratio: latencyRatio(rounds, 'p99'),
    rounds,
    warmup,
  };
}
