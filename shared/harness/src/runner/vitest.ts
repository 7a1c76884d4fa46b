import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { startVitest } from 'vitest/node';
import type {} from '../kit/rubric-test.ts';
import type { Category, GradingContext, RubricItem } from '../types.ts';

/** What the reporter learned of one rubric item's test. */
export interface TestOutcome {
  slug: string;
  state: 'passed' | 'failed' | 'skipped';
  /** Partial credit a test awarded itself (performance ratios); full points when absent and passed. */
  awarded?: number;
  /** The failure message only: never a stack, never test source. */
  message: string;
  /** Notes a passing test left for the reader (measured numbers). */
  note?: string;
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
    const outcome: TestOutcome = {
      slug,
      state,
      awarded: meta.awarded,
      message: err ? cleanMessage(err.message ?? String(err)) : '',
      note: meta.note,
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

/** Run a grader's hidden suite against the session described by `context`. */
export async function runSuite(opts: {
  graderDir: string;
  include: string[];
  rubric: readonly RubricItem[];
  context: GradingContext;
  testTimeoutMs: number;
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
      testTimeout: opts.testTimeoutMs,
      hookTimeout: opts.testTimeoutMs,
      provide: { grading: opts.context },
      passWithNoTests: true,
    },
    { logLevel: 'silent', cacheDir: undefined },
  );
  await vitest.close();
  const errors = [...reporter.moduleErrors];
  for (const e of vitest.state.getUnhandledErrors())
    errors.push(cleanMessage((e as Error).message ?? String(e)));
  // Files test one capability each, so a file's time (set-up included) belongs to its category.
  const byCategory = new Map<Category, number>();
  for (const m of reporter.modules) {
    if (m.categories.size !== 1) continue;
    const [cat] = m.categories as unknown as [Category];
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + Math.round(m.ms));
  }
  return { outcomes: reporter.outcomes, strays: reporter.strays, errors, byCategory };
}
