import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exportChallenge } from './export.ts';
import { type GradeOptions, grade } from './grade.ts';
import { loadGrader, REPO_ROOT } from './graders.ts';
import {
  boundaryTable,
  formatBoundaryTable,
  goldenText,
  listMutants,
  lostItems,
  type Mutant,
  materializeMutant,
  mutantMismatches,
  mutantTable,
  withMutantTable,
} from './mutants.ts';
import { categoryScores, runBand } from './report/score.ts';
import { collectRegisteredTests, type RegisteredTest } from './runner/vitest.ts';
import { CATEGORIES, type GradeResult, type GraderDefinition } from './types.ts';

export * from './mutants.ts';

/**
 * The parts of a result that a fixed seed must reproduce exactly: statuses, scores and every
 * output word for word. Performance items are left out: their points are measured, by design.
 */
export function stableView(r: GradeResult): unknown {
  return {
    status: r.status,
    reason: r.reason,
    tests: r.tests
      .filter((t) => t.tags[0] !== 'performance')
      .map((t) => ({ id: t.id, status: t.status, score: t.score, output: t.output })),
  };
}

/**
 * Items a grading can run without load tests: those outside every file that holds a performance
 * item (such a file's set-up runs the load for any item in it).
 */
export function itemsWithoutLoad(def: GraderDefinition, registered: RegisteredTest[]): string[] {
  const perf = new Set(def.rubric.filter((r) => r.category === 'performance').map((r) => r.slug));
  const loadFiles = new Set(registered.filter((t) => t.slug && perf.has(t.slug)).map((t) => t.file));
  const inLoadFile = new Set(registered.filter((t) => loadFiles.has(t.file)).map((t) => t.slug));
  return def.rubric.map((r) => r.slug).filter((slug) => !inLoadFile.has(slug));
}

/**
 * One result from gradings of disjoint item sets of one submission (its quick items in one run,
 * its load items alone in another): tests in rubric order, scores added up, an error if any part
 * had one.
 */
export function combineResults(def: GraderDefinition, parts: GradeResult[]): GradeResult {
  const order = new Map(def.rubric.map((r, i) => [r.slug, i]));
  const tests = parts.flatMap((p) => p.tests).sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  const graded = new Set(tests.map((t) => t.id));
  const failed = parts.find((p) => p.status === 'error');
  const categories = categoryScores(tests);
  const skipped = def.rubric.filter((r) => !graded.has(r.slug)).map((r) => ({ id: r.slug, name: r.title }));
  return {
    ...parts[0]!,
    tests,
    score: Math.round(tests.reduce((s, t) => s + t.score, 0) * 100) / 100,
    max_score: tests.reduce((s, t) => s + t.max_score, 0),
    categories,
    band: runBand(categories, skipped.length),
    skipped,
    status: failed ? 'error' : 'graded',
    ...(failed ? { reason: failed.reason } : {}),
    candidate: {
      verdicts: parts.flatMap((p) => p.candidate.verdicts),
      outputTail: parts.map((p) => p.candidate.outputTail).join('\n'),
    },
  };
}

/**
 * Runs gradings with at most `width` at once, except `exclusive` ones (load tests), which run
 * alone: a load measurement must not share the machine's two cores with another grading.
 */
export class GradingScheduler {
  private running = 0;
  private exclusive = false;
  private waiters: (() => void)[] = [];
  /** Wall time of every grading run, for the self-test's closing table. */
  readonly timings: { label: string; exclusive: boolean; ms: number }[] = [];

  constructor(readonly width = 2) {}

  private canStart(exclusive: boolean): boolean {
    return exclusive ? this.running === 0 : !this.exclusive && this.running < this.width;
  }

  async run<T>(exclusive: boolean, fn: () => Promise<T>, label = ''): Promise<T> {
    while (!this.canStart(exclusive)) await new Promise<void>((r) => this.waiters.push(r));
    this.running++;
    if (exclusive) this.exclusive = true;
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      this.timings.push({ label, exclusive, ms: Date.now() - t0 });
      this.running--;
      if (exclusive) this.exclusive = false;
      for (const w of this.waiters.splice(0)) w();
    }
  }
}

/**
 * The gradings of one grader's self-validation (and of `pnpm validate`), scheduled to fit the
 * suite's budget: a submission's quick items run in the shared pool, its load items alone, and the
 * two results are combined into one.
 */
export class SelfGradings {
  readonly scheduler: GradingScheduler;

  private constructor(
    readonly def: GraderDefinition,
    readonly graderDir: string,
    /** Every test the hidden suite registers. */
    readonly registered: RegisteredTest[],
    /** Items gradable without load tests, and the rest. */
    readonly quick: string[],
    readonly load: string[],
    width: number,
  ) {
    this.scheduler = new GradingScheduler(width);
  }

  static async create(graderDir: string, width: number): Promise<SelfGradings> {
    const def = await loadGrader(graderDir);
    const registered = await collectRegisteredTests(graderDir, def.testInclude ?? ['test/**/*.test.ts']);
    const quick = itemsWithoutLoad(def, registered);
    const load = def.rubric.map((r) => r.slug).filter((slug) => !quick.includes(slug));
    return new SelfGradings(def, graderDir, registered, quick, load, width);
  }

  private run(
    label: string,
    exclusive: boolean,
    o: Omit<GradeOptions, 'challenge' | 'graderDir'>,
  ): Promise<GradeResult> {
    const { slug } = this.def;
    const run = this.scheduler.run(
      exclusive,
      () => grade({ challenge: slug, graderDir: this.graderDir, ...o }),
      label,
    );
    run.then(
      (r) => this.phases.set(label, r.phases.map((p) => `${p.name} ${(p.ms / 1000).toFixed(1)}`).join(' · ')),
      () => {},
    );
    return run;
  }

  /** Each grading's phases, by label. */
  private readonly phases = new Map<string, string>();

  /** One run of every item, alone: the grading a user sees. */
  full(label: string, submission: string, seed: number): Promise<GradeResult> {
    return this.run(label, true, { submission, seed });
  }

  /** One run of every item in the shared pool, for submissions that never get as far as a load test. */
  shared(label: string, submission: string, seed: number): Promise<GradeResult> {
    return this.run(label, false, { submission, seed });
  }

  /**
   * The quick items in the pool and, `withLoad`, the load items (alone unless `loadShared`): one
   * combined result.
   */
  split(
    label: string,
    submission: string,
    seed: number,
    withLoad: boolean,
    loadShared = false,
  ): Promise<GradeResult> {
    const only = (items: string[]) => (this.load.length ? { only: items } : {});
    const quick = this.run(withLoad ? `${label} (quick)` : label, false, {
      submission,
      seed,
      ...only(this.quick),
    });
    if (!withLoad || this.load.length === 0) return quick;
    const load = this.run(`${label} (load)`, !loadShared, { submission, seed, only: this.load });
    return Promise.all([quick, load]).then((parts) => combineResults(this.def, parts));
  }

  /**
   * A mutant applied to a copy of the reference, graded with the load tests only if it names a load
   * item. Its load runs alone too: on a busy machine a performance bug whose cost grows with the
   * load (a window read in full) can hide behind the contention and keep its points.
   */
  mutant(
    m: Mutant,
    referenceDir: string,
    seed: number,
    scope: 'files' | 'all' = 'files',
  ): Promise<GradeResult> {
    const dir = materializeMutant(referenceDir, m);
    const withLoad = m.fails.some((f) => this.load.includes(f.slug));
    const label = `mutant:${m.name}`;
    // `Load: yes` asks what the load files see after the bug: one grading, every file in order.
    const graded = m.withLoad
      ? this.full(label, dir, seed)
      : scope === 'all'
        ? this.split(label, dir, seed, withLoad)
        : this.scoped(label, dir, seed, this.itemsOfFiles(m.fails.map((f) => f.slug)));
    return graded.finally(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
  }

  /** Every item of the test files that hold any of `slugs`. */
  itemsOfFiles(slugs: string[]): string[] {
    const files = new Set(this.registered.filter((t) => t.slug && slugs.includes(t.slug)).map((t) => t.file));
    return this.registered.filter((t) => t.slug && files.has(t.file)).map((t) => t.slug!);
  }

  /**
   * Only `items`: their quick ones in the pool, their load ones alone, one combined result (the
   * rest of the rubric skipped).
   */
  private scoped(label: string, submission: string, seed: number, items: string[]): Promise<GradeResult> {
    const quick = items.filter((s) => this.quick.includes(s));
    const load = items.filter((s) => this.load.includes(s));
    const parts = [
      ...(quick.length
        ? [this.run(load.length ? `${label} (quick)` : label, false, { submission, seed, only: quick })]
        : []),
      ...(load.length
        ? [this.run(quick.length ? `${label} (load)` : label, true, { submission, seed, only: load })]
        : []),
    ];
    return Promise.all(parts).then((r) => (r.length === 1 ? r[0]! : combineResults(this.def, r)));
  }

  /** Where the time went: each grading's wall time, alone or shared. */
  timingTable(): string {
    const t = this.scheduler.timings;
    const alone = t.filter((x) => x.exclusive).reduce((s, x) => s + x.ms, 0);
    const rows = t.map(
      (x) =>
        `  ${(x.ms / 1000).toFixed(1).padStart(6)} s  ${x.exclusive ? 'alone ' : 'shared'}  ${x.label.padEnd(44)} ${this.phases.get(x.label) ?? ''}`,
    );
    return `${this.def.slug}: ${t.length} gradings (${(alone / 1000).toFixed(0)} s of them alone, the rest ${this.scheduler.width} at a time)\n${rows.join('\n')}`;
  }
}

/** What a grader's self-validation expects; paths default to the standard layout. */
export interface GraderExpectations {
  slug: string;
  graderDir: string;
  referenceDir?: string;
  alternativeDir?: string;
  starterDir?: string;
  mutantsDir?: string;
  /** The starter must score at most this (default 15). */
  maxStarterScore?: number;
  /** At least this many mutants (default 8), and one per graded category. */
  minMutants?: number;
  /** Gradings without load tests run this many at once (default 4: they mostly wait). */
  parallel?: number;
}

/** A submission healthy at start-up that never answers again: every grader must end it fast. */
const HANGING_SUBMISSION = fileURLToPath(
  new URL('../test/fixtures/hostile/hangs-after-healthy', import.meta.url),
);
/**
 * The whole grading of a hanging submission, install included (issue: a minute, not fifteen):
 * each instance takes three unanswered requests of 5 s to be declared hung, so the budget grows
 * by that much per instance.
 */
const hangingBudgetS = (instances: number): number => 30 + 15 * instances;

const readmeRuleIds = (readme: string): string[] => [
  ...new Set([...readme.matchAll(/\((R\d+)\)/g)].map((m) => m[1]!)),
];

/**
 * The standard self-validation of a grader, registered as Vitest tests:
 * the rubric and the tests that register match one to one; README rules and rubric items cover
 * each other; the reference scores 100, and a second run with the same seed is identical; the
 * starter scores low, with identical failure text on a second run; the alternative scores 100;
 * every mutant fails exactly the items its header names. Gradings are scheduled together so the
 * whole check fits the suite's time budget.
 */
export function validateGrader(exp: GraderExpectations): void {
  const graderDir = resolve(exp.graderDir);
  const referenceDir = exp.referenceDir ?? join(graderDir, 'reference');
  const alternativeDir = exp.alternativeDir ?? join(graderDir, 'fixtures', 'alternative');
  const starterDir = exp.starterDir ?? join(REPO_ROOT, 'challenges', exp.slug);
  const mutantsDir = exp.mutantsDir ?? join(graderDir, 'mutants');
  const readmePath = join(starterDir, 'README.md');
  const mutants = listMutants(mutantsDir);
  let g: SelfGradings;
  let def: GraderDefinition;
  const results = new Map<string, Promise<GradeResult>>();
  const keep = (key: string, p: Promise<GradeResult>): void => {
    // Awaited by its test; a rejection must not go unhandled before then.
    p.catch(() => {});
    results.set(key, p);
  };
  const result = (key: string): Promise<GradeResult> => results.get(key)!;

  beforeAll(async () => {
    // Three at a time on two cores: at four, a slower machine starved the timing-sensitive items
    // (2 s windows) and the pool's load enough that mutants lost, or kept, points they should not.
    g = await SelfGradings.create(graderDir, exp.parallel ?? 3);
    def = g.def;
    // Queued longest first (the pool's tail is shortest that way): a hanging submission waits on
    // timeouts, mutants wait on lenient bounds, a starter fails fast.
    keep('hanging', g.shared('hanging submission', HANGING_SUBMISSION, 3));
    keep('reference', g.split('reference', referenceDir, 1234, true));
    keep('alternative', g.split('alternative', alternativeDir, 99, true));
    // A mutant is graded on the files of the items it names (whether it fails exactly those is
    // decided there); a boundary mutant on every file, to show its bug costs no other category.
    // pnpm validate grades every mutant on every file.
    for (const m of mutants)
      keep(`mutant:${m.name}`, g.mutant(m, referenceDir, 77, m.boundary ? 'all' : 'files'));
    keep('reference-again', g.split('reference-again', referenceDir, 1234, false));
    // A starter fails its load file's set-up at once, so it need not wait for the machine alone.
    keep('starter', g.shared('starter', starterDir, 5));
    keep('starter-again', g.shared('starter-again', starterDir, 5));
  }, 60_000);

  // The budget is 3 minutes of suite time per challenge: show where it goes.
  afterAll(() => console.log(g.timingTable()));

  describe(`${exp.slug}: rubric`, () => {
    test('when the hidden suite is collected, then its tests and the rubric match one to one', () => {
      const slugs = g.registered.map((t) => t.slug ?? `(no slug) ${t.title}`);
      expect(new Set(slugs).size, 'a slug registered twice').toBe(slugs.length);
      expect([...slugs].sort()).toEqual(def.rubric.map((r) => r.slug).sort());
      for (const t of g.registered) {
        const item = def.rubric.find((r) => r.slug === t.slug)!;
        expect({ title: t.title, points: t.points }).toEqual({ title: item.title, points: item.points });
      }
    });

    test('when points are added up, then they make 100 and every category is graded', () => {
      expect(def.rubric.reduce((s, r) => s + r.points, 0)).toBe(100);
      expect(new Set(def.rubric.map((r) => r.category)).size).toBe(CATEGORIES.length);
    });

    test('when the README is read, then its scoring table states the rubric points per category', () => {
      const readme = readFileSync(readmePath, 'utf8');
      for (const c of CATEGORIES) {
        const points = def.rubric.filter((r) => r.category === c).reduce((s, r) => s + r.points, 0);
        expect(readme, `README scoring row for ${c}`).toMatch(
          new RegExp(`\\|\\s*${c}\\s*\\|\\s*${points}\\s*\\|`),
        );
      }
    });

    test('when README rules and rubric items are compared, then every rule is graded and every item grades a rule', () => {
      const ids = readmeRuleIds(readFileSync(readmePath, 'utf8'));
      expect(ids.length, 'the README numbers its rules (R1), (R2)…').toBeGreaterThan(0);
      const ungradedItems = def.rubric.filter((r) => !r.rules?.length).map((r) => r.slug);
      expect(ungradedItems, 'rubric items that name no README rule').toEqual([]);
      const unknown = def.rubric.flatMap((r) =>
        (r.rules ?? []).filter((id) => !ids.includes(id)).map((id) => `${r.slug}: ${id}`),
      );
      expect(unknown, 'rules named by the rubric but absent from the README').toEqual([]);
      const graded = new Set(def.rubric.flatMap((r) => r.rules ?? []));
      expect(
        ids.filter((id) => !graded.has(id)),
        'README rules no rubric item grades',
      ).toEqual([]);
    });
  });

  describe(`${exp.slug}: submissions`, () => {
    test('when the reference is graded, then it scores 100, and again with the same seed, identically', async () => {
      const first = await result('reference');
      expect(first.tests.filter((t) => t.status !== 'passed').map((t) => `${t.id}: ${t.output}`)).toEqual([]);
      expect(first.status).toBe('graded');
      expect(first.score).toBe(100);
      expect(first.band).toBe('senior');
      expect(first.candidate.verdicts).toEqual([]);
      // The second run grades without the load tests: compare what both graded.
      const again = await result('reference-again');
      const graded = new Set(again.tests.map((t) => t.id));
      expect(stableView(again)).toEqual(
        stableView({ ...first, tests: first.tests.filter((t) => graded.has(t.id)) }),
      );
    });

    test('when the untouched starter is graded twice with one seed, then it scores low with identical failure text', async () => {
      const first = await result('starter');
      expect(first.status).toBe('graded');
      expect(first.score).toBeLessThanOrEqual(exp.maxStarterScore ?? 15);
      expect(
        first.tests
          .filter((t) => t.status === 'failed')
          .every((t) => /^Expected: |^Not run|^Set-up/m.test(t.output)),
      ).toBe(true);
      expect(stableView(await result('starter-again'))).toEqual(stableView(first));
      expectGolden(join(graderDir, 'selftest', 'starter.golden.txt'), goldenText(first));
    });

    test('when a submission stops answering after start-up, then its whole grading ends within 30 s plus 15 s per instance', async () => {
      const r = await result('hanging');
      expect(r.status, r.reason).toBe('graded');
      expect(r.candidate.verdicts.join('\n')).toMatch(/stopped answering: 3 requests in a row/);
      expect(r.score).toBe(0);
      expect(r.execution_time).toBeLessThan(hangingBudgetS(def.instances));
    });

    test('when a correct implementation unlike the reference is graded, then it also scores 100', async () => {
      const r = await result('alternative');
      expect(r.tests.filter((t) => t.status !== 'passed').map((t) => `${t.id}: ${t.output}`)).toEqual([]);
      expect(r.score).toBe(100);
    });
  });

  describe(`${exp.slug}: mutants`, () => {
    test('when mutants are listed, then there are enough, one for every category at least', () => {
      expect(mutants.length).toBeGreaterThanOrEqual(exp.minMutants ?? 8);
      const categoryOf = (slug: string) => def.rubric.find((r) => r.slug === slug)?.category;
      const covered = new Set(mutants.flatMap((m) => m.fails.map((f) => categoryOf(f.slug))));
      expect(CATEGORIES.filter((c) => !covered.has(c))).toEqual([]);
      for (const m of mutants)
        expect(
          m.fails.map((f) => categoryOf(f.slug)),
          `${m.name} targets ${m.target}`,
        ).toContain(m.target);
    });

    test('when mutants/README.md is read, then its table is the one the patch headers make', () => {
      const readme = readFileSync(join(mutantsDir, 'README.md'), 'utf8');
      expect(withMutantTable(readme, mutantTable(mutants)), 'run pnpm mutant-tables').toBe(readme);
    });

    test('when the README states a number, then a boundary mutant misses it just past, in an item of that rule', () => {
      const rows = boundaryTable(readFileSync(readmePath, 'utf8'), def, mutants);
      console.log(formatBoundaryTable(exp.slug, rows));
      expect(
        rows.filter((r) => r.bound === undefined).map((r) => `${r.rule}: ${r.stated.join(', ')}`),
        "README rules that state a number, missing from the grader's bounds",
      ).toEqual([]);
      expect(
        rows.filter((r) => typeof r.bound === 'string' && r.mutants.length === 0).map((r) => r.rule),
        'bounds no mutant misses (a mutant header "Boundary: R<n> — …")',
      ).toEqual([]);
      const ruleOf = (slug: string) => def.rubric.find((r) => r.slug === slug)?.rules ?? [];
      expect(
        mutants
          .filter((m) => m.boundary)
          .filter(
            (m) =>
              typeof def.bounds?.[m.boundary!.rule] !== 'string' ||
              !m.fails.some((f) => ruleOf(f.slug).includes(m.boundary!.rule)),
          )
          .map((m) => `${m.name}: ${m.boundary!.rule}`),
        'boundary mutants whose rule declares no bound, or whose Fails items grade another rule',
      ).toEqual([]);
    });

    test.each(mutants.map((m) => [m.name, m.fails.map((f) => f.slug).join(', '), m] as const))(
      'when mutant %s is graded, then exactly %s lose points',
      async (_name, _fails, mutant) => {
        const r = await result(`mutant:${mutant.name}`);
        expect(r.status, r.reason).toBe('graded');
        expect(
          mutantMismatches(r, mutant),
          `${mutant.bug}; lost: ${lostItems(r).join(', ') || 'nothing'}`,
        ).toEqual([]);
        expectGolden(mutant.patchFile.replace(/\.patch$/, '.golden.txt'), goldenText(r));
      },
    );
  });
}

/**
 * The text a candidate reads must match the golden file beside the submission (numbers and ids
 * masked); `BC_RECORD_GOLDEN=1` writes it instead. A changed message fails with a diff.
 */
function expectGolden(path: string, text: string): void {
  if (process.env.BC_RECORD_GOLDEN === '1') {
    writeFileSync(path, text);
    return;
  }
  if (!existsSync(path))
    throw new Error(
      `${path} is missing: record it with BC_RECORD_GOLDEN=1 (then read it: it is what a candidate sees)`,
    );
  expect(
    text,
    `the failure text a candidate reads differs from ${path} (BC_RECORD_GOLDEN=1 records it)`,
  ).toBe(readFileSync(path, 'utf8'));
}

/** Run `cmd` in `cwd` with plain npm's environment; a failure names the command and its output. */
function npm(cwd: string, ...args: string[]): void {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0)
    throw new Error(
      `npm ${args.join(' ')} in ${cwd} exited ${r.status}:\n${(r.stdout + r.stderr).slice(-2000)}`,
    );
}

/**
 * The standard check of a starter's visible tests, registered as Vitest tests: run by the
 * one-item grader in `selftest/visible-grader`, they all pass on the reference and fail on the
 * untouched starter (they test the assignment, not the skeleton).
 *
 * With `viaExport`, the same through a take-home export, outside the monorepo: it installs with
 * plain `npm ci` and builds; its own visible tests fail on it as exported and pass once the
 * reference is copied in; and both are graded like any submission.
 */
export function validateVisibleTests(exp: {
  slug: string;
  graderDir: string;
  tests: number;
  viaExport?: boolean;
}): void {
  const graderDir = resolve(exp.graderDir);
  const visibleGrader = join(graderDir, 'selftest', 'visible-grader');
  const run = (submission: string) =>
    grade({ challenge: `${exp.slug}-visible`, submission, graderDir: visibleGrader, seed: 8 });
  let starter = join(REPO_ROOT, 'challenges', exp.slug);
  let solved = join(graderDir, 'reference');
  if (exp.viaExport) {
    const root = mkdtempSync(join(tmpdir(), `bc-export-${exp.slug}-`));
    beforeAll(async () => {
      starter = join(root, 'take-home');
      await exportChallenge(exp.slug, starter);
      npm(starter, 'ci', '--ignore-scripts', '--no-audit', '--no-fund');
      npm(starter, 'run', 'build');
      // The candidate's checkout with the reference's code and dependencies in it.
      solved = join(root, 'solved');
      cpSync(starter, solved, { recursive: true, filter: (p) => !p.includes('node_modules') });
      const ref = join(graderDir, 'reference');
      for (const f of readdirSync(ref).filter((f) => !['node_modules', 'dist', 'test'].includes(f))) {
        cpSync(join(ref, f), join(solved, f), {
          recursive: true,
          filter: (p) => !p.includes('node_modules'),
        });
      }
      // The visible tests run from the export's own install, not the monorepo's.
      process.env.BC_VISIBLE_TESTS_DIR = starter;
    }, 240_000);
    afterAll(() => {
      delete process.env.BC_VISIBLE_TESTS_DIR;
      rmSync(root, { recursive: true, force: true });
    });
  }
  const where = exp.viaExport ? 'in a take-home export' : 'in the monorepo';
  describe(`the starter's visible tests, ${where}`, () => {
    test('when run against the reference, then they all pass', async () => {
      const t = (await run(solved)).tests[0]!;
      expect(t.status, t.output).toBe('passed');
      expect(t.output).toMatch(new RegExp(`Tests +${exp.tests} passed`));
    });

    test('when run against the untouched starter, then they fail (they test the assignment, not the skeleton)', async () => {
      const r = await run(starter);
      expect(r.status).toBe('graded');
      expect(r.tests[0]!.status).toBe('failed');
      expect(r.tests[0]!.output).toMatch(/visible tests failed/);
    });
  });
}
