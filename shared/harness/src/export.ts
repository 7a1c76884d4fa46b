import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { UsageError } from './errors.ts';
import { graderDirFor, loadGrader, REPO_ROOT } from './graders.ts';
import { CHALLENGE_FILE } from './pr/pick.ts';

/** What the monorepo keeps next to a starter that a candidate's repository must not get. */
const LEFT_OUT = new Set([
  'node_modules',
  'dist',
  '.turbo',
  '.grade',
  '.artifacts',
  '.vitest-results.json',
  // The other languages' starters: an export is in one language.
  'starters',
]);

/**
 * The languages a starter may be in (every language the harness grades): TypeScript at the
 * challenge's root, the others in starters/<language>/ where the challenge has one.
 */
export const EXPORT_LANGUAGES = ['typescript', 'python', 'go', 'rust', 'java'] as const;
/** One of EXPORT_LANGUAGES. */
export type ExportLanguage = (typeof EXPORT_LANGUAGES)[number];

/** The visible tests' own package for a starter that is not Node's: run against the running service. */
const VISIBLE_PACKAGE = {
  name: 'visible-tests',
  private: true,
  type: 'module',
  scripts: { test: 'vitest run' },
  devDependencies: { supertest: '^7.1.4', vitest: '~4.1.12' },
};

/** The candidate repository's workflow, from the harness's template. */
const WORKFLOW = join(REPO_ROOT, 'shared/harness/templates/candidate-grade.yml');

const GITIGNORE = `node_modules/
dist/
.grade/
*.log
.env
`;

function submittingSection(challenge: string, title: string): string {
  return `
## Submitting

Work on a branch and open a pull request against \`main\`. The workflow in
\`.github/workflows/grade.yml\` grades it with the hidden graders (the visible tests here are a few
of them) and posts one comment with the score, every lost point and why; each push updates it.
Pushes to the pull request cannot change how it is graded: the workflow runs as it is on \`main\`,
and the graders live elsewhere.

The repository's owner grades the same way by hand, from a checkout of the graders:
\`npm run grade -- ${challenge} <this-directory>\`.

*${title} — exported by backend-challenges.*
`;
}

/**
 * Write a standalone candidate repository for `challenge` into `dest`: the starter with its
 * README, visible tests and lockfile, a .gitignore, the marker naming the challenge, and the
 * pull-request workflow. Nothing from graders/ is copied.
 */
export async function exportChallenge(
  challenge: string,
  dest: string,
  language: ExportLanguage = 'typescript',
): Promise<string[]> {
  const def = await loadGrader(graderDirFor(challenge));
  const starter = join(REPO_ROOT, 'challenges', challenge);
  if (language !== 'typescript') return exportOtherLanguage(challenge, def.title, starter, dest, language);
  if (!existsSync(join(starter, 'package.json'))) {
    throw new UsageError(`challenge "${challenge}" has no starter in challenges/${challenge}`);
  }
  if (!existsSync(join(starter, 'package-lock.json'))) {
    throw new UsageError(
      `challenges/${challenge} has no package-lock.json: the export must install with plain npm`,
    );
  }
  const out = resolve(dest);
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new UsageError(`${dest} exists and is not empty: export into a new directory`);
  }
  mkdirSync(out, { recursive: true });
  cpSync(starter, out, { recursive: true, filter: (p) => !LEFT_OUT.has(basename(p)) });
  writeFileSync(join(out, '.gitignore'), GITIGNORE);
  writeFileSync(join(out, CHALLENGE_FILE), `${JSON.stringify({ challenge }, null, 2)}\n`);
  mkdirSync(join(out, '.github', 'workflows'), { recursive: true });
  writeFileSync(join(out, '.github', 'workflows', 'grade.yml'), readFileSync(WORKFLOW, 'utf8'));
  const readme = readFileSync(join(out, 'README.md'), 'utf8');
  writeFileSync(join(out, 'README.md'), `${readme.trimEnd()}\n${submittingSection(challenge, def.title)}`);
  return readdirSync(out, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(out, join(e.parentPath, e.name)))
    .sort();
}

/**
 * A candidate repository whose starter is `starters/<language>/` of the challenge: that starter at
 * the root with the challenge's README, the visible tests in a package of their own (they talk
 * HTTP to the running service), the marker naming the challenge and the language, the workflow.
 */
async function exportOtherLanguage(
  challenge: string,
  title: string,
  starter: string,
  dest: string,
  language: Exclude<ExportLanguage, 'typescript'>,
): Promise<string[]> {
  const own = join(starter, 'starters', language);
  if (!existsSync(own)) {
    const have = existsSync(join(starter, 'starters')) ? readdirSync(join(starter, 'starters')) : [];
    throw new UsageError(
      `challenge "${challenge}" has no ${language} starter (challenges/${challenge}/starters/${language}); it has: typescript${have
        .sort()
        .map((l) => `, ${l}`)
        .join('')}`,
    );
  }
  const out = resolve(dest);
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new UsageError(`${dest} exists and is not empty: export into a new directory`);
  }
  mkdirSync(out, { recursive: true });
  // NOTES.md (the language's notes) goes into the README instead.
  cpSync(own, out, {
    recursive: true,
    filter: (p) => !LEFT_OUT.has(basename(p)) && p !== join(own, 'NOTES.md'),
  });
  // What a challenge gives for local development in any language (say, a stand-in for a service
  // the grader runs): plain Node scripts, run with `node`.
  if (existsSync(join(starter, 'dev'))) cpSync(join(starter, 'dev'), join(out, 'dev'), { recursive: true });
  const visible = join(out, 'visible-tests');
  mkdirSync(visible, { recursive: true });
  cpSync(join(starter, 'test'), join(visible, 'test'), { recursive: true });
  cpSync(join(starter, 'vitest.config.ts'), join(visible, 'vitest.config.ts'));
  writeFileSync(join(visible, 'package.json'), `${JSON.stringify(VISIBLE_PACKAGE, null, 2)}\n`);
  const ignore = {
    go: '.bin/\n.cache/\n',
    python: '__pycache__/\n.venv/\n.deps/\n',
    rust: 'target/\n',
    java: 'target/\n',
  }[language];
  writeFileSync(join(out, '.gitignore'), `${ignore}visible-tests/node_modules/\n.grade/\n*.log\n.env\n`);
  writeFileSync(join(out, CHALLENGE_FILE), `${JSON.stringify({ challenge, language }, null, 2)}\n`);
  mkdirSync(join(out, '.github', 'workflows'), { recursive: true });
  writeFileSync(join(out, '.github', 'workflows', 'grade.yml'), readFileSync(WORKFLOW, 'utf8'));
  const readme = readFileSync(join(starter, 'README.md'), 'utf8');
  const notes = existsSync(join(own, 'NOTES.md'))
    ? `\n${readFileSync(join(own, 'NOTES.md'), 'utf8').trimEnd()}\n`
    : '';
  writeFileSync(
    join(out, 'README.md'),
    `${readme.trimEnd()}\n${notes}${visibleTestsSection()}${submittingSection(challenge, title)}`,
  );
  return readdirSync(out, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(out, join(e.parentPath, e.name)))
    .sort();
}

function visibleTestsSection(): string {
  return `
## Visible tests

A few of the grader's tests, in \`visible-tests/\`, run against your service while it runs (they
need Node 20; the top of \`visible-tests/test/\` says which other variables they read):

\`\`\`sh
cd visible-tests && npm install && TARGET_URL=http://localhost:3000 npm test
\`\`\`
`;
}
