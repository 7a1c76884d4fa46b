import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type GradeOptions, grade } from '../grade.ts';
import { loadGrader } from '../graders.ts';
import { type Mutant, materializeMutant, mutantMismatches, removeDeadCopies } from '../mutants.ts';
import { collectRegisteredTests, type RegisteredTest } from '../runner/vitest.ts';
import type { GradeResult, GraderDefinition } from '../types.ts';
import { buildReference, materializeBuiltMutant } from './prebuilt.ts';
import { combineResults, itemsWithoutLoad } from './results.ts';
import { GradingScheduler, type SchedulerWidth } from './scheduler.ts';

/**
 * How much of the rubric a mutant is graded on: `items`, only those its header names (each must
 * lose points: the suite's check); `all`, every item (nothing else may lose any: `pnpm validate`).
 */
export type MutantScope = 'items' | 'all';

/**
 * The gradings of one grader's self-validation (and of `pnpm validate`), scheduled to fit the
 * suite's budget: a submission's quick items run in the shared pool, its load items alone, and the
 * two results are combined into one.
 */
export class SelfGradings {
  readonly scheduler: GradingScheduler;
  /** This process's self-validations not yet disposed of: what `interruptAll` stops. */
  private static readonly live = new Set<SelfGradings>();
  /** Gradings asked for and not settled, with what each leaves to remove (a mutant's copy). */
  private readonly pending = new Set<Promise<unknown>>();

  private constructor(
    readonly def: GraderDefinition,
    readonly graderDir: string,
    /** Every test the hidden suite registers. */
    readonly registered: RegisteredTest[],
    /** Items gradable without load tests, and the rest. */
    readonly quick: string[],
    readonly load: string[],
    width: SchedulerWidth,
  ) {
    this.scheduler = new GradingScheduler(width);
  }

  static async create(graderDir: string, width: SchedulerWidth): Promise<SelfGradings> {
    // What a self-validation killed outright left in /tmp (grade.ts reaps its own run dirs).
    removeDeadCopies();
    const def = await loadGrader(graderDir);
    const registered = await collectRegisteredTests(graderDir, def.testInclude ?? ['test/**/*.test.ts']);
    const quick = itemsWithoutLoad(def, registered);
    const load = def.rubric.map((r) => r.slug).filter((slug) => !quick.includes(slug));
    const g = new SelfGradings(def, graderDir, registered, quick, load, width);
    SelfGradings.live.add(g);
    return g;
  }

  /**
   * Stop every self-validation of this process (a signal to `pnpm validate`): no queued grading
   * starts, those running end by their own signal handling (grade.ts), and once all have settled
   * every mutant copy and built reference is gone. Killed without this, a validation left a copy
   * of the reference in /tmp for each mutant grading still queued (nine, once).
   */
  static async interruptAll(reason: Error): Promise<void> {
    for (const g of SelfGradings.live) g.scheduler.stop(reason);
    for (const g of [...SelfGradings.live]) {
      while (g.pending.size > 0) await Promise.allSettled([...g.pending]);
      await g.dispose();
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const settled = (): void => {
      this.pending.delete(p);
    };
    p.then(settled, settled);
    return p;
  }

  private run(
    label: string,
    exclusive: boolean,
    o: Omit<GradeOptions, 'challenge' | 'graderDir'>,
  ): Promise<GradeResult> {
    const { slug } = this.def;
    // Beside the pool's other gradings, a service may start as many times slower as there are of
    // them: query-tuning's alternative fills its summaries from a million orders as it starts, in
    // 39 s beside two others (ci92), and once in 91.5 s, past its grader's 90 s (ci93, and stop
    // 44's CI). The limit guards against a service that never starts; no README states it.
    return this.track(
      this.scheduler.run(
        exclusive,
        () =>
          grade({
            challenge: slug,
            graderDir: this.graderDir,
            ...o,
            ...(exclusive ? {} : { startSlowdown: this.scheduler.maxWidth }),
          }),
        label,
        this.order?.(label) ?? 0,
        // Per grading, not per label: validate grades one label once per seed.
        (r) => r.phases.map((p) => `${p.name} ${(p.ms / 1000).toFixed(1)}`).join(' · '),
      ),
    );
  }

  /** Which of the gradings waiting for a slot starts first, by label (lower first; unset: arrival). */
  order?: (label: string) => number;

  /**
   * Whether the machine's load lock (`GRADE_LOAD_LOCK`, which the suite sets) keeps each load
   * measurement alone. Then a grading with load items runs in the pool: its measurement waits for
   * the gradings in flight and none starts meanwhile, while its set-up, build and quick items
   * overlap the others. Without it, the scheduler runs such a grading alone from end to end.
   */
  private readonly measuredByLock = Boolean(process.env.GRADE_LOAD_LOCK);

  /** One run of every item, its measurements alone: the grading a user sees. */
  full(label: string, submission: string, seed: number): Promise<GradeResult> {
    return this.run(label, !this.measuredByLock, { submission, seed });
  }

  /**
   * One run of every item in the shared pool, for submissions that never get as far as a load
   * test (`small`: on the grader's small dataset).
   */
  shared(label: string, submission: string, seed: number, small = false): Promise<GradeResult> {
    return this.run(label, false, { submission, seed, ...(small ? { small } : {}) });
  }

  /** The quick items and, `withLoad`, the load items (see `scoped`): one result. */
  split(
    label: string,
    submission: string,
    seed: number,
    withLoad: boolean,
    small = false,
  ): Promise<GradeResult> {
    return this.scoped(label, submission, seed, withLoad ? [...this.quick, ...this.load] : this.quick, small);
  }

  /**
   * The quick items, with no other grading of the pool beside them: for a submission slow on
   * purpose (a correct but slow starter) whose answers the README's 5 s rule still times.
   */
  quickAlone(label: string, submission: string, seed: number): Promise<GradeResult> {
    return this.run(label, true, { submission, seed, only: this.quick });
  }

  /**
   * A mutant applied to a copy of the reference. Its load items run alone: on a busy machine a
   * performance bug whose cost grows with the load (a window read in full) can hide behind the
   * contention and keep its points.
   */
  mutant(
    m: Mutant,
    referenceDir: string,
    seed: number,
    scope: MutantScope,
    /** For `items`: those of the named items to grade (default: all of them). */
    items: string[] = m.fails.map((f) => f.slug),
  ): Promise<GradeResult> {
    return this.track(this.gradeMutant(m, referenceDir, seed, scope, items));
  }

  private async gradeMutant(
    m: Mutant,
    referenceDir: string,
    seed: number,
    scope: MutantScope,
    items: string[],
  ): Promise<GradeResult> {
    const dir = await this.materialize(referenceDir, m);
    const label = `mutant:${m.name}`;
    // `Load: yes` asks what the load files see after the bug (that it costs nothing there): one
    // grading, every file in order. A question for `all`: `items` asks only what the header names.
    const graded =
      scope === 'all'
        ? m.withLoad
          ? this.full(label, dir, seed)
          : this.split(
              label,
              dir,
              seed,
              m.fails.some((f) => this.load.includes(f.slug)),
            )
        : // On the items it names, a mutant's bug shows on the grader's smaller dataset where it
          // has one (`prepare`'s `small`), unless one is a performance item: a lock held for a
          // scan, say, is held too briefly to judge on less data. `all` is validate's, on the
          // data a user's grading gets.
          this.scoped(label, dir, seed, items, this.smallFor(items)).then((r) => {
            // An item that catches the bug only after the items before it in its file: graded
            // again as a candidate's grading runs it, and named in the closing table.
            if (!mutantMismatches(r, m).some((x) => x.includes('kept its points'))) return r;
            this.coupled.push(m.name);
            const files = this.itemsOfFiles(items);
            return this.scoped(`${label} (files)`, dir, seed, files, this.smallFor(files));
          });
    return graded.finally(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
  }

  /** Whether grading `items` may use the grader's small dataset: none of them is a performance item. */
  private smallFor(items: string[]): boolean {
    return !this.def.rubric.some((r) => r.category === 'performance' && items.includes(r.slug));
  }

  private builtReference?: Promise<string | null>;

  /**
   * The mutant's submission: from the reference built once when its patch only changes sources
   * (see prebuilt.ts), else a copy of the reference that its grading builds.
   */
  private async materialize(referenceDir: string, m: Mutant): Promise<string> {
    this.builtReference ??= buildReference(referenceDir).catch(() => null);
    const built = await this.builtReference;
    return (built && materializeBuiltMutant(built, m)) ?? materializeMutant(referenceDir, m);
  }

  /**
   * Remove the built reference. Called when the gradings are done: a Vitest worker is ended
   * without an `exit` event, so a hook on it left one directory in /tmp per self-test run.
   */
  async dispose(): Promise<void> {
    SelfGradings.live.delete(this);
    const built = await this.builtReference;
    if (built) rmSync(join(built, '..'), { recursive: true, force: true });
  }

  /** Mutants some of whose items caught the bug only with the rest of their file before them. */
  readonly coupled: string[] = [];

  /** Every item of the test files that hold any of `slugs`. */
  itemsOfFiles(slugs: string[]): string[] {
    const files = new Set(this.registered.filter((t) => t.slug && slugs.includes(t.slug)).map((t) => t.file));
    return this.registered.filter((t) => t.slug && files.has(t.file)).map((t) => t.slug!);
  }

  /**
   * Only `items` (the rest of the rubric skipped): one grading in the pool when the load lock
   * keeps its measurements alone, else their quick ones in the pool and their load ones alone,
   * combined into one result.
   */
  private scoped(
    label: string,
    submission: string,
    seed: number,
    items: string[],
    small = false,
  ): Promise<GradeResult> {
    // A part that is the whole rubric is graded as a user grades it, without --only.
    const options = (xs: string[]) => ({
      ...(xs.length === this.def.rubric.length ? {} : { only: xs }),
      ...(small ? { small } : {}),
    });
    if (this.measuredByLock) return this.run(label, false, { submission, seed, ...options(items) });
    const quick = items.filter((s) => this.quick.includes(s));
    const load = items.filter((s) => this.load.includes(s));
    const parts = [
      ...(quick.length
        ? [this.run(load.length ? `${label} (quick)` : label, false, { submission, seed, ...options(quick) })]
        : []),
      ...(load.length
        ? [this.run(quick.length ? `${label} (load)` : label, true, { submission, seed, ...options(load) })]
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
        `  ${(x.ms / 1000).toFixed(1).padStart(6)} s  ${x.exclusive ? 'alone ' : 'shared'}  ${x.label.padEnd(44)} ${x.detail}`,
    );
    const coupled = this.coupled.length
      ? `\n  graded again on their files (an item they name caught the bug only after the items before it): ${this.coupled.join(', ')}`
      : '';
    const { width, maxWidth, peak } = this.scheduler;
    const atOnce =
      maxWidth > width
        ? `${width} at a time, up to ${maxWidth} while the machine was idle (at most ${peak} did)`
        : `${width} at a time`;
    return `${this.def.slug}: ${t.length} gradings (${(alone / 1000).toFixed(0)} s of them alone, the rest ${atOnce})\n${rows.join('\n')}${coupled}`;
  }
}
