import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../graders.ts';

/** Where a challenge's self-validation finds its parts: declared here once for every grader. */
export interface GraderLayout {
  slug: string;
  graderDir: string;
  referenceDir: string;
  /** A correct implementation unlike the reference: it must score 100 too. */
  alternativeDir: string;
  /** The candidate's starting point, with the README that states the contract. */
  starterDir: string;
  readme: string;
  mutantsDir: string;
  /** The one-item grader that runs the starter's visible tests. */
  visibleGraderDir: string;
  starterGolden: string;
  /** The starters in other languages (`challenges/<slug>/starters/<language>/`), with their golden text. */
  languageStarters: { language: string; dir: string; golden: string }[];
  /** Correct implementations in other languages, which must score 100 too: `fixtures/alternative-<language>/`. */
  languageAlternatives: { language: string; dir: string }[];
}

/** `graders/<slug>/fixtures/alternative-<language>/` of the grader in `graderDir`, by language. */
export function languageAlternatives(graderDir: string): { language: string; dir: string }[] {
  const fixtures = join(graderDir, 'fixtures');
  return existsSync(fixtures)
    ? readdirSync(fixtures)
        .filter((n) => n.startsWith('alternative-'))
        .sort()
        .map((n) => ({ language: n.slice('alternative-'.length), dir: join(fixtures, n) }))
    : [];
}

/**
 * The standard layout of challenge `slug`: `graders/<slug>/…` and `challenges/<slug>`, under the
 * repository (or `root`, a tree laid out the same way).
 */
export function graderLayout(slug: string, root = REPO_ROOT): GraderLayout {
  const graderDir = join(root, 'graders', slug);
  const starterDir = join(root, 'challenges', slug);
  return {
    slug,
    graderDir,
    referenceDir: join(graderDir, 'reference'),
    alternativeDir: join(graderDir, 'fixtures', 'alternative'),
    starterDir,
    readme: join(starterDir, 'README.md'),
    mutantsDir: join(graderDir, 'mutants'),
    visibleGraderDir: join(graderDir, 'selftest', 'visible-grader'),
    starterGolden: join(graderDir, 'selftest', 'starter.golden.txt'),
    languageStarters: existsSync(join(starterDir, 'starters'))
      ? readdirSync(join(starterDir, 'starters'))
          .sort()
          .map((language) => ({
            language,
            dir: join(starterDir, 'starters', language),
            golden: join(graderDir, 'selftest', `starter-${language}.golden.txt`),
          }))
      : [],
    languageAlternatives: languageAlternatives(graderDir),
  };
}
