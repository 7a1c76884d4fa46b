import { scoreRun, summaryText } from '../src/report/score.ts';
import type { TestOutcome } from '../src/runner/vitest.ts';
import type { GradeResult, LoadRound, RubricItem, RuntimeReport } from '../src/types.ts';

const rubric: RubricItem[] = [
  {
    slug: 'creates',
    title: 'when a link is created, then it redirects',
    points: 6,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Store the link.',
  },
  {
    slug: 'bad-json',
    title: 'when the body is not JSON, then 400',
    points: 3,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'Parse errors are the client’s.',
  },
  {
    slug: 'no-js-scheme',
    title: 'when the URL is javascript:, then 400 <script>',
    points: 3,
    category: 'security',
    visibility: 'hidden',
    hint: 'Allow http and https only.',
  },
  {
    slug: 'unique-codes',
    title: 'when two instances create links at once, then codes never collide',
    points: 5,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Let the database decide.',
  },
  {
    slug: 'redis-down',
    title: 'when Redis is down, then redirects still work',
    points: 4,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Fall back to Postgres.',
  },
  {
    slug: 'throughput',
    title: 'redirect throughput against a bare Redis GET',
    points: 4,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Cache the hot path.',
  },
  {
    slug: 'p99',
    title: 'redirect p99 against a bare Redis GET',
    points: 4,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Avoid a query per redirect.',
  },
];

/** Three load rounds: the submission at about half its baseline's rate and twice its p99. */
export const ROUNDS: LoadRound[] = [0, 1, 2].map((i) => ({
  candidate: { rps: 2100 + 50 * i, p50: 3, p99: 21 - i },
  baseline: { rps: 4000 + 40 * i, p50: 1.5, p99: 10 + i },
}));

const outcome = (
  slug: string,
  state: TestOutcome['state'] = 'passed',
  extra: Partial<TestOutcome> = {},
): TestOutcome => ({
  slug,
  state,
  message: '',
  durationMs: 12,
  ...extra,
});

/** A graded result as the harness scores it: a failure, a partial performance item, rounds, a log. */
export function sampleResult(): GradeResult {
  const outcomes = new Map<string, TestOutcome>([
    ['creates', outcome('creates')],
    ['bad-json', outcome('bad-json')],
    [
      'no-js-scheme',
      outcome('no-js-scheme', 'failed', {
        message: 'POST /api/links {"url":"javascript:alert(1)"}\nExpected: 400\nGot:      201 {"code":"aB3"}',
      }),
    ],
    ['unique-codes', outcome('unique-codes')],
    ['redis-down', outcome('redis-down')],
    [
      'throughput',
      outcome('throughput', 'passed', {
        awarded: 2,
        note: 'full marks at ≥ 0.8×, none at ≤ 0.3×',
        measured: ['throughput 2150 req/s vs baseline 4040 req/s = 0.53×'],
        rounds: ROUNDS,
      }),
    ],
    [
      'p99',
      outcome('p99', 'passed', { awarded: 3, measured: ['p99 20 ms vs 11 ms = 1.82×'], rounds: ROUNDS }),
    ],
  ]);
  const scored = scoreRun(rubric, outcomes, { notRun: 'Not run.' });
  const r: Omit<GradeResult, 'output'> = {
    ...scored,
    execution_time: 27.4,
    status: 'graded',
    challenge: 'url-shortener',
    sandbox: {
      mode: 'bwrap',
      network: 'loopback-only',
      filesystem: 'read-only outside work dir',
      user: 'uid 65534',
      limits: { memoryMb: 512, pids: 256, outputBytes: 4194304, enforcedBy: ['watchdog', 'cgroups'] },
      isolation: 'isolated',
    },
    services: { postgres: 'local postgres 15', redis: 'local redis 7' },
    seed: 42,
    phases: [
      { name: 'install', ms: 120 },
      { name: 'tests', ms: 9800 },
    ],
    candidate: { verdicts: [], outputTail: 'listening on 41234\nGET /r/aB3 302 <b>' },
    runtime: SAMPLE_RUNTIME,
    harness: { version: '0.0.0', node: 'v20.20.0' },
    provenance: {
      grader: { commit: 'a'.repeat(40), dirty: true, suiteSha256: 'b'.repeat(64) },
      submission: { commit: 'c'.repeat(40), dirty: null },
    },
  };
  return { output: summaryText(r), ...r };
}

/** A Node submission's runtime lines, as a grading reports them. */
export const SAMPLE_RUNTIME: RuntimeReport = {
  language: 'node',
  chosen_by: 'package.json',
  toolchain: 'v20.20.2',
  install: 'npm ci --ignore-scripts (cached)',
  build: 'tsc -p tsconfig.json (package.json scripts)',
  start: 'node dist/server.js (package.json scripts)',
};
