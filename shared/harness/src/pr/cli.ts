#!/usr/bin/env -S node --import tsx
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { cliExitCode, UsageError } from '../errors.ts';
import { summaryTable } from '../report/terminal.ts';
import { githubComments } from './github.ts';
import { gradePullRequest, postComment } from './run.ts';

const num = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
};

/** The PR's comments through GitHub's API, from the variables a workflow run has. */
function commentsFromEnv(pr?: number) {
  const env = process.env;
  const need = (k: string): string => {
    const v = env[k];
    if (!v)
      throw new UsageError(`posting needs ${k} (set in GitHub Actions; pass GITHUB_TOKEN from secrets)`);
    return v;
  };
  const number =
    pr ??
    (env.GITHUB_EVENT_PATH
      ? (JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as { pull_request?: { number?: number } })
          .pull_request?.number
      : undefined);
  if (!number) throw new UsageError('posting needs --pr N, or a pull_request event in GITHUB_EVENT_PATH');
  return githubComments({
    token: need('GITHUB_TOKEN'),
    repo: need('GITHUB_REPOSITORY'),
    pr: number,
    apiUrl: env.GITHUB_API_URL,
  });
}

const runUrl = (): string | undefined => {
  const { GITHUB_SERVER_URL: s, GITHUB_REPOSITORY: r, GITHUB_RUN_ID: id } = process.env;
  return s && r && id ? `${s}/${r}/actions/runs/${id}` : undefined;
};

const program = new Command()
  .name('pr')
  .description('Grade a pull request with trusted graders, and post one comment that later runs update.')
  .exitOverride()
  .configureOutput({ outputError: (s, write) => write(s) });

let code = 0;

program
  .command('grade')
  .description("grade the head checkout's submission with the base checkout's grader")
  .requiredOption(
    '--base <dir>',
    'trusted checkout with graders/ (the base branch, or the private grader repository)',
  )
  .requiredOption('--head <dir>', "the pull request's checkout")
  .option('--out <dir>', 'reports, comment.md and pr.json go here', '.grade')
  .option('--seed <n>', 'seed of the randomized inputs', num)
  .option('--min-score <s>', 'exit 3 when the score is below this (the check fails)', num)
  .option('--summary <file>', 'append the comment here (e.g. $GITHUB_STEP_SUMMARY)')
  .option('--post', 'post or update the PR comment now (needs GITHUB_TOKEN; else use `pr comment`)')
  .option('--pr <n>', 'pull request number (default: from GITHUB_EVENT_PATH)', num)
  .option('--quiet', 'no live view')
  .action(async (o) => {
    const r = await gradePullRequest({
      base: o.base,
      head: o.head,
      out: o.out,
      seed: o.seed,
      minScore: o.minScore,
      summaryFile: o.summary,
      runUrl: runUrl(),
      live: !o.quiet,
    });
    process.stdout.write(
      `graded ${r.picked.path} as ${r.picked.challenge}\n${summaryTable(r.result, o.out)}`,
    );
    if (o.post) {
      const posted = await postComment(o.out, commentsFromEnv(o.pr));
      process.stdout.write(`PR comment ${posted.action} (id ${posted.id})\n`);
    }
    if (!r.passed) {
      process.stderr.write(`score ${r.result.score} is below --min-score ${o.minScore}\n`);
      code = 3;
    }
  });

program
  .command('comment')
  .description('post or update the PR comment that `pr grade` left in --out (a job with write access)')
  .option('--out <dir>', 'where `pr grade` wrote', '.grade')
  .option('--pr <n>', 'pull request number (default: from GITHUB_EVENT_PATH)', num)
  .action(async (o) => {
    const posted = await postComment(o.out, commentsFromEnv(o.pr));
    process.stdout.write(`PR comment ${posted.action} (id ${posted.id})\n`);
  });

try {
  await program.parseAsync();
} catch (e) {
  code = cliExitCode('pr', e, '');
}
process.exit(code);
