import { goldenText } from '../mutants.ts';
import { categoryScores, runBand } from '../report/score.ts';
import type { RegisteredTest } from '../runner/vitest.ts';
import type { GradeResult, GraderDefinition } from '../types.ts';

/**
 * The parts of a result that a fixed seed must reproduce exactly: statuses, scores and every
 * output word for word. Performance items are left out: their points are measured, by design.
 * Items outside `wordForWord` are compared in the words a candidate reads, numbers masked, as
 * golden files are: an item in a load file reports what live traffic did (how many requests a
 * step lost, how long a lock was held), which no seed fixes.
 */
export function stableView(r: GradeResult, wordForWord: (id: string) => boolean = () => true): unknown {
  return {
    status: r.status,
    reason: r.reason,
    tests: r.tests
      .filter((t) => t.tags[0] !== 'performance')
      .map((t) => ({
        id: t.id,
        status: t.status,
        score: t.score,
        output: wordForWord(t.id) ? t.output : goldenText({ ...r, tests: [t] }),
      })),
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
