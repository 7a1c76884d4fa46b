import { createHash, type Hash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../graders.ts';
import { filesUnder, hashTree } from '../provenance.ts';
import { type GraderLayout, languageAlternatives } from './layout.ts';

/** A correct implementation in another language, graded over the validation's seeds. */
export interface AlternativeRecord {
  /** `alternativeHash` of the grader, kit and alternative that were graded. */
  hash: string;
  /** The day it ran (UTC, YYYY-MM-DD). */
  date: string;
  /** Its score per seed (100 each, or it is not recorded). */
  scores: number[];
}

/**
 * What `pnpm validate` last proved of a grader, flake-free: recorded in
 * `graders/<slug>/selftest/validated.json`. The suite trusts it for what it leaves to validate
 * (each alternative's load items) only while the hashes still name the same grader, kit and
 * alternative.
 */
export interface ValidationRecord {
  /** `validationHash` of the grader, kit and alternative that were validated. */
  hash: string;
  seeds: number;
  gradings: number;
  seconds: number;
  /** The day it ran (UTC, YYYY-MM-DD). */
  date: string;
  /** The alternative's score per seed (100 each, or the record is not written). */
  alternative: number[];
  /**
   * Each correct implementation in another language (`fixtures/alternative-<language>`), by its
   * own hash: one added or changed later is validated alone (`pnpm validate <slug> --alternative
   * <language>`), not with the whole grader again.
   */
  languageAlternatives?: Record<string, AlternativeRecord>;
}

const KIT_DIR = join(REPO_ROOT, 'shared', 'harness', 'src', 'kit');
// What grades a submission in another language; set-up's cache warming (src/warm-cli.ts) is kept
// outside it, so a change to set-up does not call fifteen minutes of records stale.
const LANGUAGES_DIR = join(REPO_ROOT, 'shared', 'harness', 'src', 'languages');
// Recorded failure text and tables are the self-test's expectations, not what grades or is graded;
// `dist` is a build's output, which every grading rebuilds from source (one left in the cache's
// reference by a local build was hashed here and missing from CI's clone: the record read stale).
const skip = (n: string): boolean =>
  n === 'node_modules' ||
  n === 'dist' ||
  n === 'selftest' ||
  n.startsWith('.') ||
  n.endsWith('.golden.txt') ||
  n === 'README.md' ||
  // The reviewer's interview questions: they neither grade nor are graded.
  n === 'follow-ups.md';

// What every grading loads of the kit, whatever the grader imports: its front door, and the
// runner's set-up file, run before each test file.
const KIT_ROOTS = ['index.ts', 'setup.ts'];
const HARNESS_PACKAGE = join(REPO_ROOT, 'shared', 'harness', 'package.json');
// An import of one of the kit's own modules: `from './x.ts'`, `export … from './x.ts'`, `import('./x.ts')`.
const KIT_IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"]\.\/([^'"]+)['"]/g;
const KIT_SPECIFIER = /['"]@bc\/harness\/(kit\/[^'"]+)['"]/g;

/**
 * The kit files a grader's gradings run: the kit's roots, each `@bc/harness/kit/<module>` the
 * grader imports by name (the harness package's `exports`), and every kit module these import, in
 * turn. A module only a newer grader imports by name is not the older graders' kit, so adding one
 * leaves their records standing.
 */
export function kitFilesOf(graderDir: string): Set<string> {
  const exportsMap = (
    JSON.parse(readFileSync(HARNESS_PACKAGE, 'utf8')) as { exports: Record<string, string> }
  ).exports;
  const todo = [...KIT_ROOTS];
  for (const f of filesUnder(graderDir, skip)) {
    if (!/\.[cm]?[jt]sx?$/.test(f)) continue;
    for (const [, sub] of readFileSync(join(graderDir, f), 'utf8').matchAll(KIT_SPECIFIER)) {
      const target = exportsMap[`./${sub}`];
      if (target?.startsWith('./src/kit/')) todo.push(target.slice('./src/kit/'.length));
    }
  }
  const seen = new Set<string>();
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f) || !existsSync(join(KIT_DIR, f))) continue;
    seen.add(f);
    for (const [, dep] of readFileSync(join(KIT_DIR, f), 'utf8').matchAll(KIT_IMPORT)) todo.push(dep!);
  }
  return seen;
}

/**
 * SHA-256 of everything a validation judged with and judged: the grader's suite, reference,
 * alternative and mutants, and the kit its gradings run (`kitFilesOf`: where load is measured).
 * Its own `selftest/` is left out, so writing the record does not change what it names, and so
 * are the other fixtures, which validate never grades, and the alternatives in other languages,
 * which have their own (`alternativeHash`).
 */
export function validationHash(graderDir: string): string {
  const h = createHash('sha256');
  hashTree(h, graderDir, (n) => skip(n) || n === 'fixtures');
  h.update('\0alternative\0');
  hashTree(h, join(graderDir, 'fixtures', 'alternative'), skip);
  h.update('\0kit\0');
  // The kit is one flat folder, so a name is a module: while a grader runs every kit module, its
  // hash is the one its record has held since the whole kit was hashed.
  const kit = kitFilesOf(graderDir);
  return hashTree(h, KIT_DIR, (n) => skip(n) || !kit.has(n)).digest('hex');
}

/** `h` with the harness's language pipeline (detection, install, build and run) added. */
const withLanguagePipeline = (h: Hash): Hash => hashTree(h.update('\0languages\0'), LANGUAGES_DIR, skip);

/**
 * SHA-256 of the grader and kit (`validationHash`), the alternative in `language`, and the
 * harness's language pipeline (detection, install, build and run of every language): while it
 * holds, the suite leaves that alternative to its record.
 */
export function alternativeHash(graderDir: string, language: string): string {
  const dir = languageAlternatives(graderDir).find((a) => a.language === language)?.dir;
  if (!dir) throw new Error(`${graderDir} has no fixtures/alternative-${language}`);
  const h = createHash('sha256').update(validationHash(graderDir)).update(`\0alternative-${language}\0`);
  hashTree(h, dir, skip);
  return withLanguagePipeline(h).digest('hex');
}

const recordPath = (graderDir: string): string => join(graderDir, 'selftest', 'validated.json');

/** A record file, or null when there is none. */
const readRecord = <T>(path: string): T | null =>
  existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;

/** The grader's validation record, or null when there is none. */
export function readValidation(graderDir: string): ValidationRecord | null {
  return readRecord(recordPath(graderDir));
}

/**
 * The alternatives whose load items `pnpm validate` graded for this very grader and kit:
 * `typescript` for `fixtures/alternative`, and each language of `fixtures/alternative-<language>`
 * whose own record still names it.
 */
export function validatedAlternatives(graderDir: string): Set<string> {
  const record = readValidation(graderDir);
  const out = new Set<string>();
  if (!record) return out;
  if (record.hash === validationHash(graderDir)) out.add('typescript');
  for (const { language } of languageAlternatives(graderDir)) {
    const entry = record.languageAlternatives?.[language];
    if (entry && entry.hash === alternativeHash(graderDir, language)) out.add(language);
  }
  return out;
}

const RECORD_HEADER = 'hash,date,seeds,gradings,seconds,alternative,languageAlternatives'.split(',');

/** biome.json's `lineWidth`: the records are committed as Biome lays them out. */
const LINE_WIDTH = 110;
const SCALAR_LINE = /^\s*("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null),?$/;

/**
 * A record's text as Biome formats it, so that a record the tool writes passes `biome check` as
 * committed: one key per line, and a list of scalars on one line where that line fits.
 */
export function recordText(value: unknown): string {
  const lines = JSON.stringify(value, null, 2).split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // A list opens here and ends at the first line that closes one: only when everything between
    // is a scalar is that its own end (a nested list or object stays laid out as it is).
    const end = line.endsWith('[') ? lines.findIndex((l, j) => j > i && /^\s*\],?$/.test(l)) : -1;
    const items = end === -1 ? [] : lines.slice(i + 1, end);
    const one = `${line}${items.map((l) => l.trim().replace(/,$/, '')).join(', ')}${lines[end]?.trim()}`;
    if (end === -1 || !items.every((l) => SCALAR_LINE.test(l)) || one.length > LINE_WIDTH) out.push(line);
    else {
      out.push(one);
      i = end;
    }
  }
  return `${out.join('\n')}\n`;
}

function writeRecord(graderDir: string, record: ValidationRecord): void {
  const ordered = Object.fromEntries(
    RECORD_HEADER.filter((k) => k in record).map((k) => [k, record[k as keyof ValidationRecord]]),
  );
  writeFileSync(recordPath(graderDir), recordText(ordered));
}

const today = (): string => new Date().toISOString().slice(0, 10);

/** Record a flake-free validation, with the scores of each alternative in another language. */
export function writeValidation(
  graderDir: string,
  r: Omit<ValidationRecord, 'hash' | 'date' | 'languageAlternatives'>,
  languageScores: Record<string, number[]> = {},
): void {
  const date = today();
  const languageAlternatives = Object.fromEntries(
    Object.entries(languageScores).map(([language, scores]) => [
      language,
      { hash: alternativeHash(graderDir, language), date, scores },
    ]),
  );
  writeRecord(graderDir, {
    hash: validationHash(graderDir),
    date,
    ...r,
    ...(Object.keys(languageAlternatives).length ? { languageAlternatives } : {}),
  });
}

/**
 * One part of a validation too long for one sitting (`pnpm validate <slug> --part …`), recorded in
 * `selftest/validation-parts.json` until the parts cover it all for one hash and one seed count.
 */
export interface ValidationPart {
  /** The day it ran (UTC, YYYY-MM-DD). */
  date: string;
  /** Whether it graded the reference, the alternatives, reproducibility, the hanging submission and the starters. */
  core: boolean;
  /** The mutants it graded, each on every item over every seed. */
  mutants: string[];
  gradings: number;
  seconds: number;
  /** With `core`: the alternative's score per seed, and each alternative's in another language. */
  alternative?: number[];
  languageScores?: Record<string, number[]>;
}

interface PartsFile {
  hash: string;
  seeds: number;
  parts: ValidationPart[];
}

const partsPath = (graderDir: string): string => join(graderDir, 'selftest', 'validation-parts.json');

/**
 * Keep a flake-free part of a validation. Parts made for another hash or seed count are dropped:
 * they proved something of other files. Once the parts hold the core and every one of
 * `allMutants`, they are written as the grader's record (`writeValidation`) and the parts file
 * goes; until then this returns what is still missing.
 */
export function recordValidationPart(
  graderDir: string,
  seeds: number,
  part: Omit<ValidationPart, 'date'>,
  allMutants: string[],
): { core: boolean; mutants: string[] } | 'recorded' {
  const hash = validationHash(graderDir);
  const old = readRecord<PartsFile>(partsPath(graderDir));
  const kept = old && old.hash === hash && old.seeds === seeds ? old.parts : [];
  const others = kept.filter(
    (p) => !(part.core && p.core) && !p.mutants.some((m) => part.mutants.includes(m)),
  );
  const parts = [...others, { date: today(), ...part }];
  const done = new Set(parts.flatMap((p) => p.mutants));
  const core = parts.find((p) => p.core);
  const missing = { core: !core, mutants: allMutants.filter((m) => !done.has(m)) };
  if (core && missing.mutants.length === 0) {
    writeValidation(
      graderDir,
      {
        seeds,
        gradings: parts.reduce((n, p) => n + p.gradings, 0),
        seconds: parts.reduce((n, p) => n + p.seconds, 0),
        alternative: core.alternative ?? [],
      },
      core.languageScores ?? {},
    );
    rmSync(partsPath(graderDir), { force: true });
    return 'recorded';
  }
  writeFileSync(partsPath(graderDir), recordText({ hash, seeds, parts } satisfies PartsFile));
  return missing;
}

/**
 * Record an alternative in another language graded alone over `scores.length` seeds, 100 each,
 * in the grader's existing record (whose own hash and scores stay as they were).
 */
export function writeAlternativeValidation(graderDir: string, language: string, scores: number[]): void {
  const record = readValidation(graderDir);
  if (!record) throw new Error(`${recordPath(graderDir)} is missing: run pnpm validate on the grader first`);
  writeRecord(graderDir, {
    ...record,
    languageAlternatives: {
      ...record.languageAlternatives,
      [language]: { hash: alternativeHash(graderDir, language), date: today(), scores },
    },
  });
}

/**
 * What `pnpm validate` last proved of a challenge's starters in other languages: each installed,
 * built, started and scored low in the words of its golden file (`selftest/starters-validated.json`).
 * The suite leaves them to it while the hash still names the same starters, golden files, grader,
 * kit and language pipeline.
 */
export interface StarterRecord {
  /** `startersHash` of what was graded. */
  hash: string;
  /** The day it ran (UTC, YYYY-MM-DD). */
  date: string;
  /** Each language starter's score (seed 5, its items outside load-test files). */
  scores: Record<string, number>;
}

/**
 * SHA-256 of the grader and kit (`validationHash`), each language starter and its golden file, and
 * the harness's language pipeline (detection, install, build and run of every language): a change
 * to any of them and the suite grades the starters again.
 */
export function startersHash(layout: GraderLayout): string {
  const h = createHash('sha256');
  h.update(validationHash(layout.graderDir));
  for (const { language, dir, golden } of layout.languageStarters) {
    h.update(`\0starter-${language}\0`);
    hashTree(h, dir, (n) => n === 'node_modules' || n.startsWith('.'));
    h.update(existsSync(golden) ? readFileSync(golden) : '\0no golden\0');
  }
  return withLanguagePipeline(h).digest('hex');
}

const starterRecordPath = (graderDir: string): string =>
  join(graderDir, 'selftest', 'starters-validated.json');

/** The challenge's starter record, or null when there is none. */
export function readStarterRecord(graderDir: string): StarterRecord | null {
  return readRecord(starterRecordPath(graderDir));
}

/** Whether the starter record names these very starters, golden files, grader, kit and pipeline. */
export function startersRecordIsCurrent(layout: GraderLayout): boolean {
  return (
    layout.languageStarters.length > 0 && readStarterRecord(layout.graderDir)?.hash === startersHash(layout)
  );
}

/** Record starters that graded as their golden files say. */
export function writeStarterRecord(layout: GraderLayout, scores: Record<string, number>): void {
  const record: StarterRecord = {
    hash: startersHash(layout),
    date: today(),
    scores,
  };
  writeFileSync(starterRecordPath(layout.graderDir), recordText(record));
}

/**
 * What a recorded run of the starter's visible tests proved (`selftest/visible-validated.json`):
 * they all passed on the reference and failed on the untouched starter. The suite leaves them to
 * it while the hash still names the same challenge, grader, reference, visible grader and kit.
 */
export interface VisibleRecord {
  /** `visibleHash` of what was run. */
  hash: string;
  /** The day it ran (UTC, YYYY-MM-DD). */
  date: string;
  /** How many visible tests passed on the reference. */
  tests: number;
  /** Whether it ran through a take-home export. */
  viaExport: boolean;
}

const HARNESS_SRC = join(REPO_ROOT, 'shared', 'harness', 'src');

/**
 * SHA-256 of everything the visible tests' check runs and judges: the grader and kit
 * (`validationHash`, its reference included), the challenge (starter, README and visible tests),
 * the one-item visible grader and the kit it loads, the check itself, and, through an export,
 * the export.
 */
export function visibleHash(layout: GraderLayout, exp: { tests: number; viaExport: boolean }): string {
  const h = createHash('sha256').update(validationHash(layout.graderDir));
  h.update(`\0tests ${exp.tests} export ${exp.viaExport}\0challenge\0`);
  hashTree(h, layout.starterDir, (n) => n === 'node_modules' || n === 'dist' || n.startsWith('.'));
  h.update('\0visible grader\0');
  hashTree(h, layout.visibleGraderDir, (n) => n === 'node_modules' || n.startsWith('.'));
  h.update('\0kit\0');
  const kit = kitFilesOf(layout.visibleGraderDir);
  hashTree(h, KIT_DIR, (n) => skip(n) || !kit.has(n));
  h.update('\0check\0').update(readFileSync(join(HARNESS_SRC, 'selftest', 'visible.ts')));
  if (exp.viaExport) h.update('\0export\0').update(readFileSync(join(HARNESS_SRC, 'export.ts')));
  return h.digest('hex');
}

const visibleRecordPath = (graderDir: string): string =>
  join(graderDir, 'selftest', 'visible-validated.json');

/** The challenge's visible-tests record, when it names these very files; else null. */
export function currentVisibleRecord(
  layout: GraderLayout,
  exp: { tests: number; viaExport: boolean },
): VisibleRecord | null {
  const record = readRecord<VisibleRecord>(visibleRecordPath(layout.graderDir));
  return record?.hash === visibleHash(layout, exp) ? record : null;
}

/** Record a run of the visible tests that passed on the reference and failed on the starter. */
export function writeVisibleRecord(layout: GraderLayout, exp: { tests: number; viaExport: boolean }): void {
  const record: VisibleRecord = { hash: visibleHash(layout, exp), date: today(), ...exp };
  writeFileSync(visibleRecordPath(layout.graderDir), recordText(record));
}
