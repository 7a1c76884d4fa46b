import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../graders.ts';
import { hashTree } from '../provenance.ts';
import { type GraderLayout, languageAlternatives } from './layout.ts';

/**
 * What `pnpm validate` last proved of a grader, flake-free: recorded in
 * `graders/<slug>/selftest/validated.json`. The suite trusts it for what it leaves to validate
 * (the alternative's load items) only while the hash still names the same grader and kit.
 */
export interface ValidationRecord {
  /** `validationHash` of the grader and kit that were validated. */
  hash: string;
  seeds: number;
  gradings: number;
  seconds: number;
  /** The day it ran (UTC, YYYY-MM-DD). */
  date: string;
  /** The alternative's score per seed (100 each, or the record is not written). */
  alternative: number[];
  /** Each correct implementation in another language (fixtures/alternative-<language>): its score per seed. */
  languageAlternatives?: Record<string, number[]>;
}

const KIT_DIR = join(REPO_ROOT, 'shared', 'harness', 'src', 'kit');
// Recorded failure text and tables are the self-test's expectations, not what grades or is graded.
const skip = (n: string): boolean =>
  n === 'node_modules' ||
  n === 'selftest' ||
  n.startsWith('.') ||
  n.endsWith('.golden.txt') ||
  n === 'README.md';

/**
 * SHA-256 of everything a validation judged with and judged: the grader's suite, reference,
 * alternatives (in every language) and mutants, and the kit its tests call (where load is
 * measured). Its own `selftest/` is left out, so writing the record does not change what it
 * names, and so are the other fixtures, which validate never grades.
 */
export function validationHash(graderDir: string): string {
  const h = createHash('sha256');
  hashTree(h, graderDir, (n) => skip(n) || n === 'fixtures');
  h.update('\0alternative\0');
  hashTree(h, join(graderDir, 'fixtures', 'alternative'), skip);
  // Added only where there are any, so a grader without them keeps the hash it was validated with.
  for (const { language, dir } of languageAlternatives(graderDir)) {
    h.update(`\0alternative-${language}\0`);
    hashTree(h, dir, skip);
  }
  h.update('\0kit\0');
  return hashTree(h, KIT_DIR, skip).digest('hex');
}

const recordPath = (graderDir: string): string => join(graderDir, 'selftest', 'validated.json');

/** The grader's validation record, or null when there is none. */
export function readValidation(graderDir: string): ValidationRecord | null {
  const p = recordPath(graderDir);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as ValidationRecord) : null;
}

/** Whether the record names this very grader and kit (any change since means validate again). */
export function validationIsCurrent(graderDir: string): boolean {
  return readValidation(graderDir)?.hash === validationHash(graderDir);
}

/** Record a flake-free validation. */
export function writeValidation(graderDir: string, r: Omit<ValidationRecord, 'hash' | 'date'>): void {
  const record: ValidationRecord = {
    hash: validationHash(graderDir),
    date: new Date().toISOString().slice(0, 10),
    ...r,
  };
  // Lists of scores on one line, as the repository's formatter (Biome) writes them.
  const text = JSON.stringify(record, null, 2).replace(
    /\[\s*([-\d.,\s]*?)\s*\]/g,
    (_m, items: string) => `[${items.split(/,\s*/).join(', ')}]`,
  );
  writeFileSync(recordPath(graderDir), `${text}\n`);
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

const LANGUAGES_DIR = join(REPO_ROOT, 'shared', 'harness', 'src', 'languages');

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
  h.update('\0languages\0');
  return hashTree(h, LANGUAGES_DIR, skip).digest('hex');
}

const starterRecordPath = (graderDir: string): string =>
  join(graderDir, 'selftest', 'starters-validated.json');

/** The challenge's starter record, or null when there is none. */
export function readStarterRecord(graderDir: string): StarterRecord | null {
  const p = starterRecordPath(graderDir);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as StarterRecord) : null;
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
    date: new Date().toISOString().slice(0, 10),
    scores,
  };
  writeFileSync(starterRecordPath(layout.graderDir), `${JSON.stringify(record, null, 2)}\n`);
}
