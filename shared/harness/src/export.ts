import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { UsageError } from './errors.ts';
import { graderDirFor, loadGrader, REPO_ROOT } from './graders.ts';
import { CHALLENGE_FILE } from './pr/pick.ts';

/** What the monorepo keeps next to a starter that a candidate's repository must not get. */
const LEFT_OUT = new Set(['node_modules', 'dist', '.turbo', '.grade', '.artifacts', '.vitest-results.json']);

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
export async function exportChallenge(challenge: string, dest: string): Promise<string[]> {
  const def = await loadGrader(graderDirFor(challenge));
  const starter = join(REPO_ROOT, 'challenges', challenge);
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
