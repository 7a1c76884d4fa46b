import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type GradeResult, graderDirFor, InterruptedError, REPO_ROOT } from '@bc/harness';
import { median } from '@bc/harness/kit/load';
import { listMutants, lostItems, type Mutant, mutantMismatches } from '@bc/harness/mutants';
import {
  type GraderLayout,
  graderLayout,
  recordValidationPart,
  SelfGradings,
  stableView,
  starterProblems,
  writeAlternativeValidation,
  writeStarterRecord,
  writeValidation,
} from '@bc/harness/selftest';
import { table } from '@bc/harness/util';
import { Command } from 'commander';

/** A submission healthy at start-up that never answers again (the harness's hostile fixture). */
const HANGING_SUBMISSION = `${REPO_ROOT}/shared/harness/test/fixtures/hostile/hangs-after-healthy`;
/**
 * Its whole grading, install included (a minute, not fifteen): each instance takes three
 * unanswered requests of 5 s to be declared hung, so the budget grows by that much per instance.
 * The grader's own seeding is left out: it runs before any submission code, however the
 * submission behaves (the query-tuning grader's takes 11 s).
 */
const hangingBudgetS = (instances: number): number => 30 + 15 * instances;
/** A grading's time without its grader's data seeding (phase `seed`). */
const secondsBesidesSeeding = (r: GradeResult): number =>
  r.execution_time - (r.phases.find((p) => p.name === 'seed')?.ms ?? 0) / 1000;

/** The items two runs of one seed do not reproduce, each with both runs' status and first line. */
const differing = (a: GradeResult, b: GradeResult, exact: (id: string) => boolean): string[] => {
  const view = (r: GradeResult) => (stableView(r, exact) as { tests: { id: string }[] }).tests;
  const other = new Map(view(b).map((t) => [t.id, t]));
  return view(a)
    .filter((t) => !isDeepStrictEqual(t, other.get(t.id)))
    .map(
      (t) =>
        `${t.id}: ${JSON.stringify(t).slice(0, 200)} against ${JSON.stringify(other.get(t.id) ?? null).slice(0, 200)}`,
    );
};

/** What a run lost, item by item with its points (or why it was not graded). */
const lostCell = (r: GradeResult): string =>
  r.tests
    .filter((t) => t.status !== 'passed')
    .map((t) => `${t.id} (${t.score}/${t.max_score})`)
    .join(', ') ||
  r.reason ||
  '–';

/**
 * The starters in other languages, graded as the suite grades them (seed 5, their items outside
 * load-test files): each must install, build, start, score low and fail in its golden file's
 * words. Queued at once; `settle` reports them and, when they all hold, records them in
 * `selftest/starters-validated.json` (the suite then leaves them to this run until one of them,
 * its golden file, the grader, the kit or the language pipeline changes).
 */
function gradeLanguageStarters(g: SelfGradings, layout: GraderLayout): { settle: () => Promise<number> } {
  const runs = layout.languageStarters.map((s) => ({
    ...s,
    run: g.split(`starter:${s.language}`, s.dir, 5, false),
  }));
  return {
    async settle() {
      const rows: (string | number)[][] = [];
      let flakes = 0;
      const scores: Record<string, number> = {};
      for (const s of runs) {
        const r = await s.run;
        const problems = starterProblems(r, s.language, s.golden);
        if (problems.length) flakes++;
        scores[s.language] = r.score;
        rows.push([`starter:${s.language}`, r.score, problems.join('; ') || 'holds']);
      }
      if (!runs.length) return 0;
      process.stdout.write(`${table(['starter', 'score', 'as its golden file says'], rows)}\n\n`);
      if (flakes === 0) {
        writeStarterRecord(layout, scores);
        process.stdout.write(
          `recorded in graders/${layout.slug}/selftest/starters-validated.json: the suite leaves these starters to this run until one of them, its golden file, the grader, the kit or the language pipeline changes\n`,
        );
      }
      return flakes;
    },
  };
}

/** `pnpm validate <challenge> --starters`: only the starters in other languages. */
async function validateStarters(challenge: string, parallel: number): Promise<number> {
  graderDirFor(challenge);
  const layout = graderLayout(challenge);
  const g = await SelfGradings.create(layout.graderDir, { width: parallel });
  const started = Date.now();
  const flakes = await gradeLanguageStarters(g, layout).settle();
  await g.dispose();
  process.stdout.write(
    `${flakes} of ${layout.languageStarters.length} starter(s) not as recorded; ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  return flakes;
}

/**
 * `pnpm validate <challenge> --alternative <language>`: only that alternative
 * (`fixtures/alternative-<language>`), every item over N seeds; 100 on each and it joins the
 * grader's record, so the suite leaves its load items out too. For an alternative added or
 * changed after the grader's validation.
 */
async function validateAlternative(
  challenge: string,
  language: string,
  seeds: number,
  parallel: number,
): Promise<number> {
  graderDirFor(challenge);
  const layout = graderLayout(challenge);
  const alt = layout.languageAlternatives.find((a) => a.language === language);
  if (!alt) throw new Error(`graders/${challenge}/fixtures/alternative-${language} does not exist`);
  const g = await SelfGradings.create(layout.graderDir, { width: parallel });
  const started = Date.now();
  const runs = await Promise.all(
    Array.from({ length: seeds }, (_, i) =>
      g.full(`alternative:${language} seed ${5000 + i}`, alt.dir, 5000 + i),
    ),
  );
  await g.dispose();
  process.stdout.write(
    `${table(
      ['run', 'score', 'lost'],
      runs.map((r, i) => [`alternative:${language} seed ${5000 + i}`, r.score, lostCell(r)]),
    )}\n\n${g.timingTable()}\n\n`,
  );
  const flakes = runs.filter((r) => r.score !== 100).length;
  process.stdout.write(
    `${flakes} flake(s) in ${runs.length} gradings; ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  if (flakes === 0) {
    writeAlternativeValidation(
      layout.graderDir,
      language,
      runs.map((r) => r.score),
    );
    process.stdout.write(
      `recorded in graders/${challenge}/selftest/validated.json: the suite leaves its load items to this run until it, the grader or the kit changes\n`,
    );
  }
  return flakes;
}

/**
 * `pnpm validate <challenge> --seeds N`: the self-validation the suite leaves out, after each
 * change to a grader. It grades the reference and every mutant on every item over N seeds, and
 * prints the flakes: a reference run below 100 outside performance, a mutant whose lost items
 * differ from its Fails: header, a seed that does not reproduce (the reference and the starter
 * graded twice with one seed), a hanging submission not ended within its budget; and how far the
 * reference's performance points stray from their median (goal: 0 flakes, within ±0.5); and the
 * alternative below 100 on any item. Flake-free, it records what it proved in
 * `selftest/validated.json` (see selftest/validated.ts): the suite then leaves the alternative's
 * load items to it.
 */
async function validate(challenge: string, seeds: number, parallel: number, part?: string): Promise<number> {
  graderDirFor(challenge);
  const layout = graderLayout(challenge);
  const allMutants = listMutants(layout.mutantsDir);
  const scope = scopeOf(
    part,
    allMutants.map((m) => m.name),
  );
  const g = await SelfGradings.create(layout.graderDir, { width: parallel });
  const def = g.def;
  const mutants = allMutants.filter((m) => scope.mutants.includes(m.name));
  const reference = layout.referenceDir;
  const started = Date.now();
  if (!scope.core) return validateMutants(g, layout, mutants, seeds, part!, allMutants, started);
  const hanging = g.shared('hanging submission', HANGING_SUBMISSION, 3);
  const languageStarters = gradeLanguageStarters(g, layout);
  const starters = [
    g.shared('starter', layout.starterDir, 5),
    g.shared('starter-again', layout.starterDir, 5),
  ];
  const referenceAgain = g.split('reference-again', reference, 5000, false);

  const refRuns: Promise<GradeResult>[] = [];
  const altRuns: Promise<GradeResult>[] = [];
  const langAltRuns = layout.languageAlternatives.map((a) => ({ ...a, runs: [] as Promise<GradeResult>[] }));
  const mutantRuns: { name: string; seed: number; run: Promise<GradeResult> }[] = [];
  for (let i = 0; i < seeds; i++) {
    const seed = 5000 + i;
    refRuns.push(g.full(`reference seed ${seed}`, reference, seed));
    altRuns.push(g.full(`alternative seed ${seed}`, layout.alternativeDir, seed));
    for (const a of langAltRuns) a.runs.push(g.full(`alternative:${a.language} seed ${seed}`, a.dir, seed));
    for (const m of mutants)
      mutantRuns.push({ name: m.name, seed, run: g.mutant(m, reference, seed, 'all') });
  }

  const refs = await Promise.all(refRuns);
  const perfItems = def.rubric.filter((r) => r.category === 'performance');
  const rows: (string | number)[][] = [];
  let flakes = 0;
  refs.forEach((r, i) => {
    const lost = r.tests.filter((t) => t.tags[0] !== 'performance' && t.status !== 'passed').map((t) => t.id);
    if (lost.length) flakes++;
    rows.push([
      `reference seed ${5000 + i}`,
      r.score,
      ...perfItems.map((p) => r.tests.find((t) => t.id === p.slug)!.score),
      lost.join(', ') || '–',
    ]);
  });
  process.stdout.write(
    `${table(['run', 'score', ...perfItems.map((p) => p.slug), 'lost outside performance'], rows)}\n\n`,
  );
  for (const p of perfItems) {
    const scores = refs.map((r) => r.tests.find((t) => t.id === p.slug)!.score);
    const m = median(scores);
    const spread = Math.max(...scores.map((s) => Math.abs(s - m)));
    process.stdout.write(
      `${p.slug}: median ${m.toFixed(2)}/${p.points}, largest distance from it ${spread.toFixed(2)} (goal ≤ 0.5)${spread > 0.5 ? '  ← over' : ''}\n`,
    );
  }

  const alts = await Promise.all(altRuns);
  const langAlts = await Promise.all(
    langAltRuns.map(async (a) => ({ language: a.language, results: await Promise.all(a.runs) })),
  );
  const allAlts = [
    ...alts.map((r, i) => ({ label: `alternative seed ${5000 + i}`, r })),
    ...langAlts.flatMap((a) =>
      a.results.map((r, i) => ({ label: `alternative:${a.language} seed ${5000 + i}`, r })),
    ),
  ];
  const altFlakes = allAlts.filter(({ r }) => r.score !== 100).length;
  process.stdout.write(
    `\n${table(
      ['run', 'score', 'lost'],
      allAlts.map(({ label, r }) => [label, r.score, lostCell(r)]),
    )}\n`,
  );

  const mutantFlakes = await printMutantRuns(mutants, mutantRuns);

  // Word for word where a seed fixes the words: items outside load files.
  const exact = (id: string): boolean => g.quick.includes(id);
  // One seed, two runs: the second reference run grades only the quick items, so compare those.
  const again = await referenceAgain;
  const graded = new Set(again.tests.map((t) => t.id));
  const checks: [string, boolean, string][] = [
    [
      'reference, seed 5000 twice',
      isDeepStrictEqual(
        stableView(again, exact),
        stableView({ ...refs[0]!, tests: refs[0]!.tests.filter((t) => graded.has(t.id)) }, exact),
      ),
      'a non-performance item differs',
    ],
  ];
  const [starter, starterAgain] = await Promise.all(starters);
  checks.push([
    'starter, seed 5 twice',
    isDeepStrictEqual(stableView(starter!, exact), stableView(starterAgain!, exact)),
    `its failure text differs: ${differing(starter!, starterAgain!, exact).join('; ')}`,
  ]);
  const h = await hanging;
  const budget = hangingBudgetS(def.instances);
  checks.push([
    `hanging submission ended within ${budget} s (besides the grader's seeding)`,
    h.status === 'graded' &&
      h.score === 0 &&
      // Three 5 s requests in a row, or one request a grader gave the whole 15 s budget.
      /stopped answering: (3 requests in a row|a request to it went unanswered)/.test(
        h.candidate.verdicts.join('\n'),
      ) &&
      secondsBesidesSeeding(h) < budget,
    `${h.status}, score ${h.score}${
      h.score
        ? ` (kept: ${h.tests
            .filter((t) => t.score > 0)
            .map((t) => `${t.id} ${t.score}`)
            .join(', ')})`
        : ''
    }, ${secondsBesidesSeeding(h).toFixed(0)} s besides seeding (${h.execution_time.toFixed(0)} s in all), verdicts: ${h.candidate.verdicts.join(' | ') || 'none'}`,
  ]);
  const otherFlakes = checks.filter(([, ok]) => !ok).length;
  process.stdout.write(
    `${table(
      ['check', 'holds'],
      checks.map(([what, ok, why]) => [what, ok ? 'yes' : `no: ${why}`]),
    )}\n\n`,
  );
  const starterFlakes = await languageStarters.settle();
  process.stdout.write(`${g.timingTable()}\n\n`);
  await g.dispose();
  const total = refs.length + allAlts.length + mutantRuns.length + 4 + layout.languageStarters.length;
  const all = flakes + altFlakes + mutantFlakes + otherFlakes + starterFlakes;
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(
    `${all} flake(s) in ${total} gradings (reference ${flakes}/${refs.length}, alternatives ${altFlakes}/${allAlts.length}, mutants ${mutantFlakes}/${mutantRuns.length}, reproducibility and hanging ${otherFlakes}/3, language starters ${starterFlakes}/${layout.languageStarters.length}); ${seconds} s\n`,
  );
  if (all === 0) {
    const alternative = alts.map((r) => r.score);
    const languageScores = Object.fromEntries(
      langAlts.map((a) => [a.language, a.results.map((r) => r.score)]),
    );
    if (scope.mutants.length === allMutants.length) {
      writeValidation(layout.graderDir, { seeds, gradings: total, seconds, alternative }, languageScores);
      process.stdout.write(
        `recorded in graders/${challenge}/selftest/validated.json: the suite leaves the alternative's load items to this run until the grader or the kit changes\n`,
      );
    } else {
      const names = mutants.map((m) => m.name);
      reportPart(
        layout,
        recordValidationPart(
          layout.graderDir,
          seeds,
          { core: true, mutants: names, gradings: total, seconds, alternative, languageScores },
          allMutants.map((m) => m.name),
        ),
      );
    }
  }
  return all;
}

/**
 * What `--part` names: `core` (everything but the mutants) or `mutants:<name>,<name>` (only those
 * mutants, over the seeds); without it, everything.
 */
function scopeOf(part: string | undefined, names: string[]): { core: boolean; mutants: string[] } {
  if (part === undefined) return { core: true, mutants: names };
  if (part === 'core') return { core: true, mutants: [] };
  const m = /^mutants:(.+)$/.exec(part);
  const wanted = m ? m[1]!.split(',') : [];
  const unknown = wanted.filter((w) => !names.includes(w));
  if (!m || unknown.length)
    throw new Error(
      `--part is core or mutants:<name>,<name> (of ${names.join(', ')})${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
    );
  return { core: false, mutants: wanted };
}

/** Each mutant's runs against its Fails: header, printed as a table; returns the runs that were not exact. */
async function printMutantRuns(
  mutants: Mutant[],
  mutantRuns: { name: string; run: Promise<GradeResult> }[],
): Promise<number> {
  const rows: (string | number)[][] = [];
  let flakes = 0;
  for (const m of mutants) {
    const runs = await Promise.all(mutantRuns.filter((x) => x.name === m.name).map((x) => x.run));
    // Why each run was not exact: a grading that ended in error loses nothing, and "nothing" alone hides it.
    const bad = runs
      .map((r) => ({
        r,
        why:
          r.status === 'graded' ? mutantMismatches(r, m).join('; ') : `${r.status}: ${r.reason ?? r.output}`,
      }))
      .filter((b) => b.why);
    flakes += bad.length;
    rows.push([
      m.name,
      `${runs.length - bad.length}/${runs.length}`,
      bad.map(({ r }) => `seed ${r.seed}: ${lostItems(r).join(' ') || 'nothing'}`).join(' | ') || '–',
    ]);
    for (const { r, why } of bad) process.stdout.write(`${m.name}, seed ${r.seed}: ${why}\n`);
  }
  process.stdout.write(`\n${table(['mutant', 'exact', 'lost (when not exact)'], rows)}\n\n`);
  return flakes;
}

/** `--part mutants:…`: those mutants on every item over the seeds, kept as a part when exact. */
async function validateMutants(
  g: SelfGradings,
  layout: GraderLayout,
  mutants: Mutant[],
  seeds: number,
  part: string,
  allMutants: Mutant[],
  started: number,
): Promise<number> {
  const runs: { name: string; run: Promise<GradeResult> }[] = [];
  for (let i = 0; i < seeds; i++)
    for (const m of mutants)
      runs.push({ name: m.name, run: g.mutant(m, layout.referenceDir, 5000 + i, 'all') });
  const flakes = await printMutantRuns(mutants, runs);
  process.stdout.write(`${g.timingTable()}\n\n`);
  await g.dispose();
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(`${flakes} flake(s) in ${runs.length} gradings (${part}); ${seconds} s\n`);
  if (flakes === 0)
    reportPart(
      layout,
      recordValidationPart(
        layout.graderDir,
        seeds,
        { core: false, mutants: mutants.map((m) => m.name), gradings: runs.length, seconds },
        allMutants.map((m) => m.name),
      ),
    );
  return flakes;
}

/** Where a recorded part leaves the validation. */
function reportPart(layout: GraderLayout, left: ReturnType<typeof recordValidationPart>): void {
  process.stdout.write(
    left === 'recorded'
      ? `the parts cover the whole validation: recorded in graders/${layout.slug}/selftest/validated.json\n`
      : `kept in graders/${layout.slug}/selftest/validation-parts.json; still to validate:${left.core ? ' --part core,' : ''} ${left.mutants.length ? `mutants ${left.mutants.join(', ')}` : 'no mutant'}\n`,
  );
}

const program = new Command()
  .name('validate')
  .argument('<challenge>')
  .option('--seeds <n>', 'seeds per submission', '5')
  .option('--parallel <n>', 'gradings without load tests at once', '3')
  .option('--starters', 'only the starters in other languages (a minute), and record them')
  .option('--alternative <language>', 'only fixtures/alternative-<language>, over the seeds, and record it')
  .option(
    '--part <part>',
    'a validation too long for one sitting, in parts: core (all but the mutants) or mutants:<name>,<name>; recorded once the parts cover it all for the same files',
  )
  .action(
    async (
      challenge: string,
      o: { seeds: string; parallel: string; starters?: boolean; alternative?: string; part?: string },
    ) => {
      // One load lock for its gradings, as the suite's: a load measurement waits for the gradings in
      // flight and runs alone, while the rest of a grading overlaps the others (without it, each
      // grading with load items ran alone from end to end).
      const lock = process.env.GRADE_LOAD_LOCK ? null : mkdtempSync(join(tmpdir(), 'bc-load-lock.'));
      if (lock) process.env.GRADE_LOAD_LOCK = lock;
      // Stopped (Ctrl-C, a kill), it records nothing: the gradings running end by their own
      // handling (grade.ts), the queued ones never start, and their copies and locks are removed.
      let stopping: Promise<void> | null = null;
      const onSignal = (sig: NodeJS.Signals): void => {
        process.stderr.write(`validate: ${sig}: ending the gradings in flight, starting no other\n`);
        stopping = SelfGradings.interruptAll(new InterruptedError(sig)).finally(() => {
          if (lock) rmSync(lock, { recursive: true, force: true });
          process.stderr.write('validate: stopped; nothing recorded, no mutant copy left\n');
          process.exit(sig === 'SIGINT' ? 130 : 143);
        });
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const flakes = o.starters
          ? await validateStarters(challenge, Number(o.parallel))
          : o.alternative
            ? await validateAlternative(challenge, o.alternative, Number(o.seeds), Number(o.parallel))
            : await validate(challenge, Number(o.seeds), Number(o.parallel), o.part);
        process.exitCode = flakes > 0 ? 1 : 0;
      } catch (e) {
        // A grading stopped by the signal rejected: the handler's clean-up ends the process.
        if (stopping) await stopping;
        throw e;
      } finally {
        if (lock) rmSync(lock, { recursive: true, force: true });
      }
    },
  );
await program.parseAsync();
process.exit(process.exitCode ?? 0);
