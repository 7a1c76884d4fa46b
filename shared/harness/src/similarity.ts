import { lstatSync, readdirSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import type { Pair } from '@dodona/dolos-lib';
import { NOT_COPIED, readRegular } from './submission-files.ts';
import { plainText } from './untrusted.ts';

// Similarity reads what candidates wrote, outside the sandbox, as data: no symlink is followed, no
// file larger than MAX_FILE is read, and the text only reaches tree-sitter's parsers (which run
// nothing) and, escaped, the similarity page. Nothing of it is executed.

/** Pairs at or above this similarity are listed on `similarity.html` (the README says why). */
export const SIMILARITY_THRESHOLD = 0.6;

/** Dolos's language, by the extensions read as it: JavaScript goes through TypeScript's grammar. */
const LANGUAGES: Record<string, readonly string[]> = {
  typescript: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
  python: ['.py'],
  go: ['.go'],
  java: ['.java'],
  rust: ['.rs'],
};
const LANGUAGE_OF = new Map(Object.entries(LANGUAGES).flatMap(([l, exts]) => exts.map((e) => [e, l])));

/** Folders of built, fetched or generated files: nobody wrote them. */
const SKIP_DIRS = new Set([
  ...NOT_COPIED,
  'dist',
  'build',
  'target',
  'out',
  'coverage',
  '__pycache__',
  '.venv',
  'venv',
  'vendor',
  '.mvn',
  '.gradle',
  '.idea',
  '.vscode',
]);
const MAX_FILE = 200 * 1024;
const MAX_FILES = 2_000;
const GENERATED =
  /^(?:\/\/|#) Code generated .* DO NOT EDIT\.$|^\/\/ @generated|^# @generated|^\/\* eslint-disable \*\/$/m;

/** One submission's code in one language: its files joined, and the line each starts on. */
interface Source {
  text: string;
  files: { path: string; line: number }[];
}

/**
 * The code of a submission by language, read as data. Lockfiles are not code; minified,
 * declaration and generated files (a `Code generated … DO NOT EDIT.` header) are skipped.
 */
export function sourcesOf(root: string): Map<string, Source> {
  const byLanguage = new Map<string, { parts: string[]; files: Source['files']; lines: number }>();
  let count = 0;
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (count >= MAX_FILES) return;
      const p = join(dir, name);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name) && !name.startsWith('.')) walk(p);
        continue;
      }
      const language = LANGUAGE_OF.get(extname(name).toLowerCase());
      if (!language || !st.isFile() || /\.d\.[cm]?ts$|\.min\.js$/.test(name)) continue;
      const raw = readRegular(p, MAX_FILE);
      if (!raw) continue;
      const text = plainText(raw.toString('utf8'));
      if (GENERATED.test(text.slice(0, 2_000))) continue;
      count++;
      const entry = byLanguage.get(language) ?? { parts: [], files: [], lines: 0 };
      entry.files.push({ path: relative(root, p), line: entry.lines });
      const body = text.endsWith('\n') ? text : `${text}\n`;
      entry.parts.push(body);
      entry.lines += body.split('\n').length - 1;
      byLanguage.set(language, entry);
    }
  };
  walk(root);
  return new Map(
    [...byLanguage].map(([language, e]) => [language, { text: e.parts.join(''), files: e.files }]),
  );
}

/** A submission compared: its name, its folder, and whether it is from an earlier cohort. */
export interface Compared {
  name: string;
  path: string;
  earlier?: boolean;
}

/** One side of a matching fragment: the file, its lines (1-based, inclusive), their text. */
export interface FragmentSide {
  file: string;
  from: number;
  to: number;
  text: string;
}

/** Two submissions and how much of their own code (not the starter's) they share. */
export interface SimilarPair {
  a: string;
  b: string;
  /** Shared fingerprints over all fingerprints of both, the starter's left out: 0 to 1. */
  similarity: number;
  languages: string[];
  /** The longest matching fragments, longest first (at most MAX_FRAGMENTS); none below the threshold. */
  fragments: { a: FragmentSide; b: FragmentSide }[];
}

/** What a batch's comparison found. */
export interface SimilarityReport {
  threshold: number;
  /** Every pair with at least one submission of this batch, most similar first. */
  pairs: SimilarPair[];
  /** Each submission of this batch: its most similar partner (of the batch or earlier). */
  best: Record<string, { partner: string; similarity: number }>;
  seconds: number;
  /** Why a language or a submission was not compared (one line each). */
  notes: string[];
}

/** A pair of submissions as its languages' Dolos pairs add up. */
interface Sum {
  a: string;
  b: string;
  shared: number;
  total: number;
  languages: string[];
  // Fragments are built only for the pairs listed: most pairs of a batch are not.
  sides: { pair: Pair; left: Source; right: Source; flip: boolean }[];
}

const MAX_FRAGMENTS = 8;
const MAX_FRAGMENT_LINES = 60;

/** One side of a fragment: `lines` are `src.text`'s, split once per pair rather than per fragment. */
const sideOf = (src: Source, lines: string[], startRow: number, endRow: number): FragmentSide => {
  let file = src.files[0]!;
  for (const f of src.files) if (f.line <= startRow) file = f;
  return {
    file: file.path,
    from: startRow - file.line + 1,
    to: endRow - file.line + 1,
    text: lines.slice(startRow, Math.min(endRow + 1, startRow + MAX_FRAGMENT_LINES)).join('\n'),
  };
};

/**
 * Compare every pair of `subs` (but no two earlier ones) with Dolos, per language, after leaving
 * out every fingerprint of `template` (what every candidate was given: the starter, its visible
 * tests). Earlier cohorts' submissions are named `earlier/<name>`.
 */
export async function compareSubmissions(
  subs: Compared[],
  template?: string,
  threshold = SIMILARITY_THRESHOLD,
): Promise<SimilarityReport> {
  const started = performance.now();
  // Loaded here: its tree-sitter parsers are native modules that only a batch needs. Without
  // them (an install that could not build them) the report says so and compares nothing.
  let dolosLib: typeof import('@dodona/dolos-lib');
  try {
    dolosLib = await import('@dodona/dolos-lib');
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    return { threshold, pairs: [], best: {}, seconds: 0, notes: [`not compared: ${why}`] };
  }
  const { Dolos, File } = dolosLib;
  const label = (s: Compared) => (s.earlier ? `earlier/${s.name}` : s.name);
  const sources = subs.map((s) => ({ sub: s, byLanguage: sourcesOf(s.path) }));
  const given = template ? sourcesOf(template) : new Map<string, Source>();
  const notes: string[] = [];
  // Per pair of submissions (by label): shared and total fingerprints, summed over languages.
  const sums = new Map<string, Sum>();

  const languages = new Set(sources.flatMap((s) => [...s.byLanguage.keys()]));
  for (const language of [...languages].sort()) {
    const members = sources.filter((s) => s.byLanguage.has(language));
    if (members.filter((m) => !m.sub.earlier).length === 0 || members.length < 2) continue;
    const files = members.map((m, i) => new File(`${i}`, m.byLanguage.get(language)!.text));
    const ignored = given.get(language);
    const dolos = new Dolos({ language });
    let report: Awaited<ReturnType<typeof dolos.analyze>>;
    try {
      report = await dolos.analyze(files, language, ignored ? new File('template', ignored.text) : undefined);
    } catch (e) {
      notes.push(`${language}: not compared (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    // The starter's fingerprints in each file: left out of its total, as Dolos leaves them out of the shared.
    const ignoredCount = new Map<Pair['leftEntry'], number>();
    const ignoredOccurrences = (entry: Pair['leftEntry']): number => {
      let n = ignoredCount.get(entry);
      if (n === undefined) {
        n = [...entry.ignored].reduce((sum, fp) => sum + fp.occurrencesOf(entry.file).length, 0);
        ignoredCount.set(entry, n);
      }
      return n;
    };
    for (const pair of report.allPairs()) {
      const left = members[Number(pair.leftFile.path)]!;
      const right = members[Number(pair.rightFile.path)]!;
      if (left.sub.earlier && right.sub.earlier) continue;
      const [a, b] = [label(left.sub), label(right.sub)].sort() as [string, string];
      const flip = a !== label(left.sub);
      const total =
        pair.leftTotal +
        pair.rightTotal -
        ignoredOccurrences(pair.leftEntry) -
        ignoredOccurrences(pair.rightEntry);
      const key = `${a}\0${b}`;
      const sum = sums.get(key) ?? { a, b, shared: 0, total: 0, languages: [], sides: [] };
      sum.shared += pair.leftCovered + pair.rightCovered;
      sum.total += Math.max(0, total);
      sum.languages.push(language);
      sum.sides.push({
        pair,
        left: left.byLanguage.get(language)!,
        right: right.byLanguage.get(language)!,
        flip,
      });
      sums.set(key, sum);
    }
  }

  const linesOf = (f: SimilarPair['fragments'][number]) => f.a.to - f.a.from + (f.b.to - f.b.from);
  const fragmentsOf = (sides: Sum['sides']) =>
    sides
      .flatMap(({ pair, left, right, flip }) => {
        const [leftLines, rightLines] = [left.text.split('\n'), right.text.split('\n')];
        return pair.buildFragments().map((f) => {
          const l = sideOf(left, leftLines, f.leftSelection.startRow, f.leftSelection.endRow);
          const r = sideOf(right, rightLines, f.rightSelection.startRow, f.rightSelection.endRow);
          return flip ? { a: r, b: l } : { a: l, b: r };
        });
      })
      .sort((x, y) => linesOf(y) - linesOf(x))
      .slice(0, MAX_FRAGMENTS);
  const pairs: SimilarPair[] = [...sums.values()]
    .map((s) => {
      const similarity = s.total > 0 ? Math.min(1, s.shared / s.total) : 0;
      return {
        a: s.a,
        b: s.b,
        similarity,
        languages: s.languages,
        fragments: similarity >= threshold ? fragmentsOf(s.sides) : [],
      };
    })
    .sort((x, y) => y.similarity - x.similarity || x.a.localeCompare(y.a) || x.b.localeCompare(y.b));

  const best: SimilarityReport['best'] = {};
  for (const s of subs.filter((x) => !x.earlier)) {
    const me = label(s);
    const top = pairs.find((p) => p.a === me || p.b === me);
    if (top) best[me] = { partner: top.a === me ? top.b : top.a, similarity: top.similarity };
    else if (!sources.find((x) => x.sub === s)!.byLanguage.size)
      notes.push(`${me}: no source file in a language compared (${Object.keys(LANGUAGES).join(', ')})`);
  }
  return { threshold, pairs, best, seconds: (performance.now() - started) / 1000, notes };
}
