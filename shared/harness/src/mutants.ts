import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ownedTempDir, removeDeadOwnedDirs } from './owned-dirs.ts';
import { CATEGORIES, type Category, type GradeResult, type GraderDefinition } from './types.ts';

// Mutants (known bugs stored as patches with a header), what a grading of one must show, and the
// README rules that state a number with the boundary mutants that miss them. No Vitest here:
// scripts (pnpm validate, pnpm mutant-tables) use it too.

/**
 * A rubric item a mutant must fail. `partial` ones (performance) may lose any share of their
 * points, none included, as long as some item in the list loses points.
 */
export interface ExpectedFailure {
  slug: string;
  partial: boolean;
}

/** A known-buggy variant of a reference solution, stored as a patch with a header. */
export interface Mutant {
  name: string;
  /** The category the bug belongs to. */
  target: Category;
  /** Exactly the rubric items it must lose points on. */
  fails: ExpectedFailure[];
  bug: string;
  /** The README rule whose stated number it violates just past the bound, and how (`Boundary:`). */
  boundary?: { rule: string; how: string };
  /**
   * Graded with the load files too, though it names no load item (`Load: yes`): to prove that
   * its bug costs nothing there (an instance left broken is restarted before them).
   */
  withLoad: boolean;
  patchFile: string;
}

/**
 * Mutants in `dir`: `*.patch` files whose header says `Targets: <category>`, `Fails: slug, slug
 * (partial), …` and `Bug: …`.
 */
export function listMutants(dir: string): Mutant[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.patch'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const target = text.match(/^Targets: (\S+)$/m)?.[1] as Category | undefined;
      const fails = text.match(/^Fails: (.+)$/m)?.[1];
      const bug = text.match(/^Bug: (.+)$/m)?.[1];
      const boundary = text.match(/^Boundary: (R\d+) — (.+)$/m);
      if (/^Boundary:/m.test(text) && !boundary)
        throw new Error(`${f}: "Boundary:" needs "R<n> — <the bound, and how it is missed>"`);
      if (!target || !CATEGORIES.includes(target) || !bug || !fails)
        throw new Error(`${f}: header needs "Targets: <category>", "Fails: <slug>, …" and "Bug: …"`);
      return {
        name: basename(f, '.patch'),
        target,
        fails: fails.split(',').map((s) => {
          const m = s.trim().match(/^([a-z0-9-]+)( \(partial\))?$/);
          if (!m) throw new Error(`${f}: "Fails:" entry "${s.trim()}" is not "slug" or "slug (partial)"`);
          return { slug: m[1]!, partial: Boolean(m[2]) };
        }),
        bug,
        ...(boundary ? { boundary: { rule: boundary[1]!, how: boundary[2]! } } : {}),
        withLoad: /^Load: yes$/m.test(text),
        patchFile: resolve(dir, f),
      };
    });
}

const TABLE_START = '<!-- mutants:start (generated from the patch headers: pnpm mutant-tables) -->';
const TABLE_END = '<!-- mutants:end -->';

/** The table of `mutants/README.md`, made from the patch headers (they are the source). */
export function mutantTable(mutants: Mutant[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = [
    ['mutant', 'targets', 'fails', 'boundary', 'bug'],
    ...mutants.map((m) => [
      m.name,
      m.target,
      m.fails.map((f) => f.slug + (f.partial ? ' (partial)' : '')).join(', '),
      m.boundary ? `${m.boundary.rule}: ${cell(m.boundary.how)}` : '',
      cell(m.bug),
    ]),
  ];
  // Padded as the formatter (Biome) writes Markdown tables, so the file stays as generated.
  const widths = rows[0]!.map((_, i) => Math.max(3, ...rows.map((r) => [...r[i]!].length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ')} |`;
  return [
    TABLE_START,
    line(rows[0]!),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...rows.slice(1).map(line),
    TABLE_END,
  ].join('\n');
}

/** `readme` with its generated table replaced by `table` (or null when it has no markers). */
export function withMutantTable(readme: string, table: string): string | null {
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  if (a < 0 || b < a) return null;
  return readme.slice(0, a) + table + readme.slice(b + TABLE_END.length);
}

/** The temporary dirs a self-validation makes: mutant copies, and the reference built once. */
const COPY_PREFIXES = ['bc-mutant-', 'bc-reference-built-'];

/**
 * Remove the copies whose owner process is gone: a Vitest run stopped with Ctrl-C ends its workers
 * without their hooks, and a killed validation leaves what it had queued.
 */
export const removeDeadCopies = (): void => removeDeadOwnedDirs(tmpdir(), COPY_PREFIXES);

/** A fresh copy of `referenceDir` with the mutant's patch applied. */
export function materializeMutant(
  referenceDir: string,
  mutant: Mutant,
  leftOut: readonly string[] = ['node_modules', 'dist'],
): string {
  const root = ownedTempDir(tmpdir(), `bc-mutant-${mutant.name}-`);
  const dir = join(root, 'submission');
  try {
    cpSync(referenceDir, dir, { recursive: true, filter: (p) => !leftOut.includes(basename(p)) });
    execFileSync('git', ['apply', '-p0', mutant.patchFile], { cwd: dir, stdio: 'pipe' });
  } catch (e) {
    // A patch that no longer applies leaves no copy behind (the caller reports the error).
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

/** Items that lost points, as `slug` or `slug (partial)`, the way mutant headers name them. */
export function lostItems(r: GradeResult): string[] {
  return r.tests.filter((t) => t.score < t.max_score).map((t) => (t.score > 0 ? `${t.id} (partial)` : t.id));
}

/**
 * Where the result and the mutant's `Fails:` list disagree: an unlisted item that lost points, a
 * listed one that did not, a listed all-or-nothing one that kept some. Empty when they agree.
 */
export function mutantMismatches(r: GradeResult, m: Mutant): string[] {
  const expected = new Map(m.fails.map((f) => [f.slug, f]));
  const out: string[] = [];
  for (const t of r.tests) {
    const e = expected.get(t.id);
    const lost = t.score < t.max_score;
    if (!e && lost)
      out.push(`${t.id} lost ${t.max_score - t.score} point(s) but is not in Fails: ${t.output}`);
    // A partial (performance) item may keep its points, as long as the mutant loses some somewhere.
    if (e && !e.partial && !lost) out.push(`${t.id} is in Fails but kept its points`);
    if (e && !e.partial && lost && t.score > 0)
      out.push(`${t.id} kept ${t.score} point(s); list it as partial`);
  }
  for (const f of m.fails)
    if (!r.tests.some((t) => t.id === f.slug) && !r.skipped.some((s) => s.id === f.slug))
      out.push(`${f.slug} in Fails is not a rubric item`);
  if (!r.tests.some((t) => expected.has(t.id) && t.score < t.max_score))
    out.push('no item in Fails lost points');
  return out;
}

/** Each README rule's text, by id: the bullet `- (Rn) …` up to the next bullet or blank line. */
export function readmeRules(readme: string): Map<string, string> {
  const rules = new Map<string, string>();
  for (const m of readme.matchAll(/^- \((R\d+)\)([\s\S]*?)(?=\n- |\n\s*\n|(?![\s\S]))/gm))
    if (!rules.has(m[1]!)) rules.set(m[1]!, m[2]!.replace(/\s+/g, ' ').trim());
  return rules;
}

/**
 * The numbers a rule states as bounds: a quantity with a unit (2 s, 1 KB, 30 s, 128 characters),
 * a range (1–100, from 1 to 60), a comparison (≥ 10), a count of failures. Rule references and
 * status codes are not bounds.
 */
export function statedNumbers(rule: string): string[] {
  const text = rule.replace(/\(R\d+\)/g, '');
  const found = text.match(
    /\b\d+(?:[.,]\d+)*\s?(?:ms|s|seconds?|minutes?|%|KB|MB|×|microseconds?|milliseconds?|characters?|rows?|failed|units?)(?![\w-])|\b\d+ to \d+\b|\b\d+\s?–\s?\d+\b|[≥≤] ?\d+(?:[.,]\d+)*×?/g,
  );
  return [...new Set(found ?? [])];
}

/** One numbered README rule: its bound and the boundary mutants that miss it. */
export interface BoundRow {
  rule: string;
  stated: string[];
  bound: string | { exempt: string } | undefined;
  mutants: Mutant[];
}

/** Every rule of the README that states a number, with its declared bound and boundary mutants. */
export function boundaryTable(readme: string, def: GraderDefinition, mutants: Mutant[]): BoundRow[] {
  const rules = readmeRules(readme);
  const ids = new Set([
    ...[...rules].filter(([, text]) => statedNumbers(text).length > 0).map(([id]) => id),
    ...Object.keys(def.bounds ?? {}),
  ]);
  return [...ids]
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((rule) => ({
      rule,
      stated: statedNumbers(rules.get(rule) ?? ''),
      bound: def.bounds?.[rule],
      mutants: mutants.filter((m) => m.boundary?.rule === rule),
    }));
}

/** The table as the self-test prints it: rule, what it states, the bound, the mutants. */
export function formatBoundaryTable(slug: string, rows: BoundRow[]): string {
  const lines = rows.map((r) => {
    const bound =
      r.bound === undefined
        ? '(undeclared)'
        : typeof r.bound === 'string'
          ? r.bound
          : `exempt: ${r.bound.exempt}`;
    const ms = r.mutants.map((m) => `${m.name} (${m.fails.map((f) => f.slug).join(', ')})`).join('; ');
    return `  ${r.rule.padEnd(4)} ${bound}\n       ${typeof r.bound === 'object' ? '' : ms || 'NO BOUNDARY MUTANT'}`;
  });
  return `${slug}: boundary mutants, one per rule that states a number\n${lines.join('\n')}`;
}

/**
 * The text a candidate reads of a grading, as golden files keep it: each item that lost points,
 * in rubric order, with the grader's own words of its failure: the first line (what was
 * expected, or why it could not run) and the README rules it names. What the service sent back
 * is left out (it holds codes the service drew at random), and what varies from run to run with
 * one seed (numbers, ids, tokens, instants) is masked: the file pins the wording.
 */
export function goldenText(r: GradeResult): string {
  const parts = r.tests
    .filter((t) => t.score < t.max_score && t.tags[0] !== 'performance')
    .map((t) => {
      const lines = maskVarying(t.output).split('\n');
      const rules = lines.find((l, i) => i > 0 && /^README rules?:/.test(l));
      return `## ${t.id}\n${lines[0]}\n${rules ? `${rules}\n` : ''}`;
    });
  return parts.length ? parts.join('\n') : '(no item lost points)\n';
}

/** Numbers, UUIDs, tokens and instants replaced by placeholders (see goldenText). */
export function maskVarying(text: string): string {
  return (
    text
      .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?/g, '<instant>')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
      .replace(/[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}(\.[A-Za-z0-9_-]*)?/g, '<token>')
      .replace(/\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}\b/g, '<token>')
      // Rule ids and HTTP statuses stay: they are the message. Other numbers (counts, sizes,
      // durations, seeded values) may differ between runs of one seed.
      .replace(/\bR\d+\b|(?<![\d.])[1-5]\d\d(?![\d.])|\d+(?:\.\d+)?/g, (m) =>
        /^(R\d+|[1-5]\d\d)$/.test(m) ? m : '#',
      )
      .replace(/[ \t]+$/gm, '')
  );
}
