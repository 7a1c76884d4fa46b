import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FOLLOW_UPS_FILE, followUpProblems, readFollowUps } from '../follow-ups.ts';
import {
  boundaryTable,
  formatBoundaryTable,
  goldenText,
  listMutants,
  lostItems,
  type Mutant,
  mutantMismatches,
  mutantTable,
  withMutantTable,
} from '../mutants.ts';
import { CATEGORIES, type GradeResult, type GraderDefinition, type TestResult } from '../types.ts';
import { expectGolden } from './golden.ts';
import { SelfGradings } from './gradings.ts';
import { graderLayout } from './layout.ts';
import { failsInExpectedWords, MAX_STARTER_SCORE } from './starters.ts';
import {
  readStarterRecord,
  readValidation,
  startersRecordIsCurrent,
  validatedAlternatives,
} from './validated.ts';

/** What a grader's self-validation expects beyond the standard layout (see layout.ts). */
export interface GraderExpectations {
  slug: string;
  /** The starter must score at most this (default 15). */
  maxStarterScore?: number;
  /**
   * While the record holds, grade the TypeScript starter's items outside load-test files only
   * (default: every item). For a starter that is correct and slow (query-tuning's), its load
   * files measure for minutes what `pnpm validate` graded twice for this very grader. Those items
   * are then graded alone, before any other grading of the pool: the README's 5 s rule times a
   * starter slow on purpose too.
   */
  starterQuickWhileRecorded?: boolean;
  /**
   * While the record holds, grade the reference, the alternative and the starter on the grader's
   * small dataset too (`prepare`'s `small`, which the suite's mutant gradings already take). For a
   * grader whose every grading migrates its full table alone (zero-downtime's 2,000,000 rows,
   * about 130 s each): `pnpm validate` graded them at full size, five seeds over, for this very
   * grader and kit.
   */
  smallWhileRecorded?: boolean;
  /** At least this many mutants (default 8), and one per graded category. */
  minMutants?: number;
  /** Gradings run this many at once (default 3; a load measurement still runs alone). */
  parallel?: number;
  /**
   * And up to this many while the machine is idle (see SchedulerWidth; default: no more). For
   * graders whose items mostly wait out long bounds: more gradings at once shift the timing of
   * short ones (a 2 s lag read on one instance or the other), and a mutant's recorded words with it.
   */
  maxParallel?: number;
  /**
   * Mutants whose performance items the suite measures even while `pnpm validate`'s record holds
   * them: its proof, on every run, that a measurement still tells a slow submission from the
   * reference (one cheap mutant in one grader is enough).
   */
  alwaysMeasured?: string[];
}

const readmeRuleIds = (readme: string): string[] => [
  ...new Set([...readme.matchAll(/\((R\d+)\)/g)].map((m) => m[1]!)),
];

/** An item a correct submission lost, with what was measured: a ratio item's text alone is its scale. */
const lost = (t: TestResult): string => [`${t.id}: ${t.output}`, ...(t.measured ?? [])].join('\n  ');

/**
 * Expect a correct submission to have lost nothing. The items it lost lead the assertion's message:
 * CI shows a log's tail, whose summary keeps a failure's first lines, and a bare "expected
 * [ Array(1) ] to deeply equal []" there left a flake of the cache reference unnamed (stop 50).
 */
function expectNothingLost(r: GradeResult, who: string): void {
  const items = r.tests.filter((t) => t.status !== 'passed').map(lost);
  expect(items, `${who} lost ${items.length} item(s):\n${items.join('\n')}\n`).toEqual([]);
}

/**
 * The standard self-validation of a grader, registered as Vitest tests (the suite's share; `pnpm
 * validate` does the rest, see docs/writing-a-grader.md): the rubric and the tests that register
 * match one to one; README rules, rubric items, stated bounds and boundary mutants cover each
 * other; the reference and the alternatives (in any language) score 100; the starter scores low; every item a
 * mutant's header names loses points, with the failure text recorded beside the mutant.
 */
export function validateGrader(exp: GraderExpectations): void {
  const layout = graderLayout(exp.slug);
  const { graderDir, referenceDir, alternativeDir, starterDir, mutantsDir } = layout;
  const readmePath = layout.readme;
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
  // Whose load items `pnpm validate` graded, five seeds over, for this very grader and kit.
  const validated = validatedAlternatives(graderDir);
  const startersValidated = startersRecordIsCurrent(layout);
  // The record names this grader, kit, reference and mutants, and it is only written when every
  // mutant lost exactly its items on every seed: a mutant's performance items (a measurement
  // alone, 15-53 s each) are then left to it, unless the grader keeps one measured here.
  const recorded = validated.has('typescript');
  // While it holds, the same record says every mutant lost exactly its items on every seed. The
  // suite then grades again one mutant per category (the first by name the suite would grade) and
  // those the grader keeps measured: its check on every run that the harness around the graders
  // (sessions, sandbox, runner, report) still tells each kind of bug apart, in the words of its
  // golden file. The rest are left to the record; their golden files are compared whenever the
  // grader or the kit changes (the record is stale then, and every mutant is graded here).
  // Regrading all of them was 96 of the suite's 195 gradings (ci44), for what pnpm validate had
  // proved five seeds over.
  let sampled: Set<string>;
  let measuredHere: (m: Mutant) => string[];

  beforeAll(async () => {
    // Three at a time on two cores: a fixed four starved, on a slower machine, the timing-sensitive
    // items (2 s windows) and the pool's load enough that mutants lost, or kept, points they should
    // not. A grader whose items wait out long bounds may let more start while the machine idles.
    g = await SelfGradings.create(graderDir, { width: exp.parallel ?? 3, maxWidth: exp.maxParallel });
    def = g.def;
    const performance = new Set(def.rubric.filter((r) => r.category === 'performance').map((r) => r.slug));
    const firstPerCategory = new Map<string, string>();
    // One the suite would grade: a mutant naming only performance items is left to the record.
    for (const m of [...mutants].sort((a, b) => a.name.localeCompare(b.name)))
      if (!firstPerCategory.has(m.target) && m.fails.some((f) => !performance.has(f.slug)))
        firstPerCategory.set(m.target, m.name);
    // Recording golden files grades every mutant: a message changed outside the grader and kit
    // (say, a verdict of the harness's) is recorded for all of them at once.
    sampled = new Set(
      recorded && process.env.BC_RECORD_GOLDEN !== '1'
        ? [...firstPerCategory.values(), ...(exp.alwaysMeasured ?? [])]
        : mutants.map((m) => m.name),
    );
    measuredHere = (m) =>
      sampled.has(m.name)
        ? m.fails
            .map((f) => f.slug)
            .filter((slug) => !recorded || exp.alwaysMeasured?.includes(m.name) || !performance.has(slug))
        : [];
    // The gradings that measure load take free slots first: then a measurement waits only for
    // gradings that are themselves about to measure, not for a mutant that waits out a minute of
    // outages and restarts while the machine idles (a reference's measurement waited 40-50 s
    // that way, and every grading queued behind it).
    const measuring = new Set([
      'reference',
      ...(validated.has('typescript') ? [] : ['alternative']),
      ...layout.languageAlternatives
        .filter((a) => !validated.has(a.language))
        .map((a) => `alternative:${a.language}`),
      ...mutants
        .filter((m) => measuredHere(m).some((s) => g.load.includes(s)))
        .map((m) => `mutant:${m.name}`),
    ]);
    g.order = (label) => (measuring.has(label) ? 0 : 1);
    // A starter that is correct and slow on purpose, graded alone and first (an alone grading
    // waits for an empty pool, which a full one reaches only at its end): beside two other
    // gradings on a busy machine its month of report (1.5 s alone) and its customer listing (a
    // count per row) passed the 5 s rule (ci78-ci80).
    const starterAlone = Boolean(exp.starterQuickWhileRecorded && recorded);
    if (starterAlone) keep('starter', g.quickAlone('starter', starterDir, 5));
    const small = Boolean(exp.smallWhileRecorded && recorded);
    // Queued longest first (the pool's tail is shortest that way): whole suites, then mutants
    // whose items wait out outages and restarts.
    keep('reference', g.split('reference', referenceDir, 1234, true, small));
    // An alternative's load items (a minute of measuring alone, per grader) are graded here only
    // when `pnpm validate` has not graded them, five seeds over, for this very grader and kit.
    keep('alternative', g.split('alternative', alternativeDir, 99, !validated.has('typescript'), small));
    // One in another language is left to its record while it holds (as the starters are): a Go
    // alternative's cold install compiled its modules for 64-66 s of both cores in CI.
    for (const { language, dir } of layout.languageAlternatives)
      if (!validated.has(language))
        keep(`alternative:${language}`, g.split(`alternative:${language}`, dir, 99, true));
    // A starter fails its load file's set-up at once, so it need not wait for the machine alone.
    if (!starterAlone) keep('starter', g.shared('starter', starterDir, 5, small));
    // Their items outside load-test files: a load file's set-up asks for the machine alone
    // before it finds the starter's route missing, and each such wait drained the pool (two
    // waits per language starter, in every grader). The TypeScript starter shows that failure.
    // Left to `pnpm validate` while its record names these very starters (see validated.ts): a
    // language's install compiles its modules cold on a fresh machine (Go's took 44 s of both cores).
    if (!startersValidated)
      for (const { language, dir } of layout.languageStarters)
        keep(`starter:${language}`, g.split(`starter:${language}`, dir, 5, false));
    // Each mutant on the items it names: that each catches its bug (and says so in the recorded
    // words) is what a change to the kit or a grader most often breaks. That nothing else loses
    // points, that a seed reproduces, and that a hanging submission ends fast are graded by
    // `pnpm validate`, every item of every mutant over several seeds, after each grader change.
    const waits = (m: Mutant) => (m.target === 'resilience' ? 0 : m.target === 'concurrency' ? 1 : 2);
    for (const m of [...mutants].sort((a, b) => waits(a) - waits(b)))
      if (measuredHere(m).length)
        keep(`mutant:${m.name}`, g.mutant(m, referenceDir, 77, 'items', measuredHere(m)));
  }, 60_000);

  // The budget is about 2 minutes of suite time per challenge: show where it goes.
  afterAll(async () => {
    console.log(g.timingTable());
    await g.dispose();
  });

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

  describe(`${exp.slug}: follow-ups`, () => {
    test('when follow-ups.md is read, then every rubric item and every band has interview questions, and every heading names one', () => {
      const f = readFollowUps(graderDir);
      expect(f, `${FOLLOW_UPS_FILE} beside rubric.ts`).not.toBeNull();
      expect(
        followUpProblems(
          f!,
          def.rubric.map((r) => r.slug),
        ),
      ).toEqual([]);
    });
  });

  describe(`${exp.slug}: submissions`, () => {
    test('when the reference is graded, then it scores 100', async () => {
      const first = await result('reference');
      expectNothingLost(first, 'the reference');
      expect(first.status).toBe('graded');
      expect(first.score).toBe(100);
      expect(first.band).toBe('senior');
      expect(first.candidate.verdicts).toEqual([]);
    });

    test('when the untouched starter is graded, then it scores low, and says what it says in starter.golden.txt', async () => {
      const first = await result('starter');
      expect(first.status).toBe('graded');
      expect(first.score).toBeLessThanOrEqual(exp.maxStarterScore ?? MAX_STARTER_SCORE);
      expect(failsInExpectedWords(first)).toEqual([]);
      expectGolden(layout.starterGolden, goldenText(first));
    });

    test.each(layout.languageStarters.map((s) => [s.language, s.golden] as const))(
      'when the untouched %s starter is graded, then it installs, builds and starts, scores low too, and says what it says in its golden file',
      async (language, golden) => {
        if (startersValidated) {
          const record = readStarterRecord(graderDir)!;
          expect(record.scores[language]).toBeLessThanOrEqual(exp.maxStarterScore ?? MAX_STARTER_SCORE);
          console.log(
            `${exp.slug}: the ${language} starter was graded by pnpm validate on ${record.date} (score ${record.scores[language]}, in its golden file's words) for this starter, golden file, grader, kit and language pipeline: not again here`,
          );
          return;
        }
        const r = await result(`starter:${language}`);
        expect(r.runtime.language).toBe(language);
        expect(r.status, `${r.reason ?? ''}\n${r.candidate.outputTail}`).toBe('graded');
        expect(r.score).toBeLessThanOrEqual(exp.maxStarterScore ?? MAX_STARTER_SCORE);
        expect(failsInExpectedWords(r)).toEqual([]);
        expectGolden(golden, goldenText(r));
      },
    );

    test.each([
      ['typescript', 'alternative'],
      ...layout.languageAlternatives.map((a) => [a.language, `alternative:${a.language}`]),
    ])(
      'when a correct implementation unlike the reference, in %s, is graded, then it also scores 100',
      async (language, key) => {
        if (language !== 'typescript' && validated.has(language)) {
          const record = readValidation(graderDir)!;
          const entry = record.languageAlternatives![language]!;
          expect(entry.scores.length, `pnpm validate graded the ${language} alternative`).toBe(record.seeds);
          expect(entry.scores.every((score) => score === 100)).toBe(true);
          console.log(
            `${exp.slug}: the ${language} alternative was graded on every item by pnpm validate on ${entry.date}, over ${record.seeds} seeds, for this grader, kit and language pipeline: not again here`,
          );
          return;
        }
        const r = await result(key);
        expect(r.status, `${r.reason ?? ''}\n${r.candidate.outputTail}`).toBe('graded');
        expectNothingLost(r, `the ${language} alternative`);
        if (!validated.has(language)) {
          expect(r.score).toBe(100);
          return;
        }
        // Its load items were left to the validation that graded them on every seed.
        const record = readValidation(graderDir)!;
        expect(r.skipped.map((s) => s.id).sort()).toEqual([...g.load].sort());
        expect(r.score).toBe(r.max_score);
        expect(record.alternative.length, `pnpm validate graded the ${language} alternative`).toBe(
          record.seeds,
        );
        expect(record.alternative.every((score) => score === 100)).toBe(true);
        console.log(
          `${exp.slug}: the ${language} alternative's load items (${g.load.join(', ')}) were graded by pnpm validate on ${record.date}, over ${record.seeds} seeds, for this grader and kit: not again here`,
        );
      },
    );
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
      const readme = readFileSync(`${mutantsDir}/README.md`, 'utf8');
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
      'when mutant %s is graded on the items it names, then %s lose points, in the recorded words',
      async (_name, _fails, mutant) => {
        const left = mutant.fails.map((f) => f.slug).filter((s) => !measuredHere(mutant).includes(s));
        if (left.length) {
          const record = readValidation(graderDir)!;
          expect(
            record.seeds,
            'pnpm validate graded every mutant on every item over several seeds',
          ).toBeGreaterThanOrEqual(3);
          const what = sampled.has(mutant.name)
            ? `mutant ${mutant.name}'s performance items (${left.join(', ')}) were`
            : `mutant ${mutant.name} (the suite grades one per category) was`;
          console.log(
            `${exp.slug}: ${what} graded by pnpm validate on ${record.date}, over ${record.seeds} seeds (every item, losing exactly its own each time), for this grader, kit, reference and mutant: not again here`,
          );
          if (!results.has(`mutant:${mutant.name}`)) return;
        }
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
