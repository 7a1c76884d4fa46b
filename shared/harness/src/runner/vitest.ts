import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestCase, TestModule, TestSequencer, TestSpecification } from 'vitest/node';
import { createVitest, startVitest } from 'vitest/node';
import type {} from '../kit/rubric-test.ts';
import type { Category, GradingContext, LoadRound, RubricItem } from '../types.ts';

/** What the reporter learned of one rubric item's test. */
export interface TestOutcome {
  slug: string;
  state: 'passed' | 'failed' | 'skipped';
  /** Partial credit a test awarded itself (performance ratios); full points when absent and passed. */
  awarded?: number;
  /** The failure message only: never a stack, never test source. */
  message: string;
  /** Notes a passing test left for the reader. */
  note?: string;
  /** Measured numbers, from the test or from the failure that ended it. */
  measured?: string[];
  rounds?: LoadRound[];
  durationMs: number;
}

/** Live progress of a run, per category. */
export type ProgressListener = (item: RubricItem, outcome: TestOutcome) => void;

function cleanMessage(msg: string): string {
  // Strip ANSI colours and Vitest's own "AssertionError:" prefix noise; never include stacks.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC
  return msg.replace(/\u001b\[[0-9;]*m/g, '').trim();
}

/** Collects one outcome per rubric slug; anything without a slug is a grader bug. */
class ScoringReporter implements Reporter {
  outcomes = new Map<string, TestOutcome>();
  strays: string[] = [];
  moduleErrors: string[] = [];

  constructor(
    private readonly rubric: Map<string, RubricItem>,
    private readonly onProgress?: ProgressListener,
  ) {}

  onTestCaseResult(testCase: TestCase): void {
    const meta = testCase.meta();
    const slug = meta.slug;
    const item = slug ? this.rubric.get(slug) : undefined;
    if (!slug || !item) {
      this.strays.push(testCase.fullName);
      return;
    }
    if (meta.points !== item.points || meta.category !== item.category) {
      // A test built from another copy of the rubric: its points would silently differ.
      this.strays.push(`${testCase.fullName} (meta disagrees with rubric item ${slug})`);
    }
    const result = testCase.result();
    const state = result.state === 'pending' ? 'skipped' : result.state;
    const err = result.state === 'failed' ? result.errors?.[0] : undefined;
    const fromError = (err as { measured?: unknown } | undefined)?.measured;
    const measured = [...(meta.measured ?? []), ...(Array.isArray(fromError) ? fromError.map(String) : [])];
    const outcome: TestOutcome = {
      slug,
      state,
      awarded: meta.awarded,
      message: err ? cleanMessage(err.message ?? String(err)) : '',
      note: meta.note,
      ...(measured.length ? { measured } : {}),
      ...(meta.rounds?.length ? { rounds: meta.rounds } : {}),
      durationMs: Math.round(testCase.diagnostic()?.duration ?? 0),
    };
    if (this.outcomes.has(slug)) this.strays.push(`${testCase.fullName} (duplicate slug ${slug})`);
    this.outcomes.set(slug, outcome);
    this.onProgress?.(item, outcome);
  }

  /** Wall time of each test file (hooks included), with the categories of its tests. */
  modules: { categories: Set<Category>; ms: number }[] = [];

  onTestModuleEnd(mod: TestModule): void {
    for (const e of mod.errors()) this.moduleErrors.push(`${mod.moduleId}: ${cleanMessage(e.message ?? '')}`);
    const categories = new Set<Category>();
    for (const t of mod.children.allTests()) {
      const item = this.rubric.get(t.meta().slug ?? '');
      if (item) categories.add(item.category);
    }
    this.modules.push({ categories, ms: mod.diagnostic().duration });
  }
}

/**
 * Test files in rubric order: a file sorts by the earliest rubric item it names, so the order is
 * the grader's, never Vitest's default (by size and by the previous run's cached durations and
 * failures, which would let one submission's grading reorder the next one's).
 */
function rubricOrderSequencer(rubric: readonly RubricItem[]) {
  // A file ranks by the first item it declares (the first slug in its text).
  const rank = (file: string): number => {
    const text = readFileSync(file, 'utf8');
    let first = { pos: Number.POSITIVE_INFINITY, index: rubric.length };
    rubric.forEach((r, index) => {
      const pos = text.indexOf(`'${r.slug}'`);
      if (pos >= 0 && pos < first.pos) first = { pos, index };
    });
    return first.index;
  };
  return class RubricOrder implements TestSequencer {
    shard(files: TestSpecification[]): TestSpecification[] {
      return files;
    }
    sort(files: TestSpecification[]): TestSpecification[] {
      const ranked = files.map((f) => ({ f, rank: rank(f.moduleId) }));
      ranked.sort((a, b) => a.rank - b.rank || a.f.moduleId.localeCompare(b.f.moduleId));
      return ranked.map((x) => x.f);
    }
  };
}

const SETUP_FILE = fileURLToPath(new URL('../kit/setup.ts', import.meta.url));

/** Run a grader's hidden suite against the session described by `context`. */
export async function runSuite(opts: {
  graderDir: string;
  include: string[];
  rubric: readonly RubricItem[];
  context: GradingContext;
  testTimeoutMs: number;
  /**
   * Added to the hook timeout: a load file's set-up waits for the machine alone when the grading
   * shares a load lock (a batch, the suite, pnpm validate), and that wait is not the service's.
   */
  hookWaitMs?: number;
  onProgress?: ProgressListener;
}): Promise<{
  outcomes: Map<string, TestOutcome>;
  strays: string[];
  errors: string[];
  byCategory: Map<Category, number>;
}> {
  const rubric = new Map(opts.rubric.map((r) => [r.slug, r]));
  const reporter = new ScoringReporter(rubric, opts.onProgress);
  const vitest = await startVitest(
    'test',
    [],
    {
      root: opts.graderDir,
      config: false,
      include: opts.include,
      watch: false,
      reporters: [reporter],
      // Sequential files: tests share instances, and load tests must not compete with each other.
      fileParallelism: false,
      maxWorkers: 1,
      // One module graph for every file: the kit and its clients load once, not once per file.
      isolate: false,
      testTimeout: opts.testTimeoutMs,
      hookTimeout: opts.testTimeoutMs + (opts.hookWaitMs ?? 0),
      provide: { grading: opts.context },
      passWithNoTests: true,
      // Same seed, same run: a pinned order and no results cache carried between gradings.
      sequence: { sequencer: rubricOrderSequencer(opts.rubric), shuffle: false },
      cache: false,
      setupFiles: [SETUP_FILE],
    },
    { logLevel: 'silent', cacheDir: undefined },
  );
  await vitest.close();
  const errors = [...reporter.moduleErrors];
  for (const e of vitest.state.getUnhandledErrors())
    errors.push(cleanMessage((e as Error).message ?? String(e)));
  // Files test one capability each, so a file's time (set-up included) belongs to its category;
  // a file with a performance item runs the load, so its time is the performance phase's.
  const byCategory = new Map<Category, number>();
  for (const m of reporter.modules) {
    const cat: Category | undefined = m.categories.has('performance')
      ? 'performance'
      : m.categories.size === 1
        ? [...m.categories][0]
        : undefined;
    if (cat) byCategory.set(cat, (byCategory.get(cat) ?? 0) + Math.round(m.ms));
  }
  return { outcomes: reporter.outcomes, strays: reporter.strays, errors, byCategory };
}

/** A test the hidden suite registers, as Vitest collected it (nothing run). */
export interface RegisteredTest {
  slug: string | undefined;
  title: string;
  file: string;
  points?: number;
  category?: string;
}

/**
 * Collect a grader's hidden suite without running it: every test it registers, with its rubric
 * meta. The self-tests compare this with the rubric (the tests that register, not a regex over
 * source).
 */
export async function collectRegisteredTests(
  graderDir: string,
  include: string[],
): Promise<RegisteredTest[]> {
  const context: GradingContext = {
    seed: 0,
    controlUrl: 'http://127.0.0.1:9',
    controlToken: '',
    instances: [],
    env: {},
    only: null,
    stubs: {},
  };
  const vitest = await createVitest(
    'test',
    {
      root: graderDir,
      config: false,
      include,
      watch: false,
      reporters: [],
      provide: { grading: context },
      cache: false,
    },
    { logLevel: 'silent' },
  );
  try {
    const { testModules, unhandledErrors } = await vitest.collect();
    const errors = [
      ...unhandledErrors.map((e) => String((e as Error)?.message ?? e)),
      ...testModules.flatMap((m) => m.errors().map((e) => `${m.moduleId}: ${e.message}`)),
    ];
    if (errors.length) throw new Error(`collecting ${graderDir} failed: ${errors.join('; ')}`);
    return testModules.flatMap((m) =>
      [...m.children.allTests()].map((t) => ({
        slug: t.meta().slug,
        title: t.name,
        file: m.moduleId,
        points: t.meta().points,
        category: t.meta().category,
      })),
    );
  } finally {
    await vitest.close();
  }
}
