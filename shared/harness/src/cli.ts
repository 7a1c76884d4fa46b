#!/usr/bin/env -S node --import tsx
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type BatchEvent, batchSubmissions, gradeBatch } from './batch.ts';
import { cliExitCode, UsageError } from './errors.ts';
import { readFollowUps } from './follow-ups.ts';
import { grade } from './grade.ts';
import { graderDirFor, REPO_ROOT } from './graders.ts';
import { LANGUAGES, type Language, MissingToolchain } from './languages/index.ts';
import { writeOutputs } from './report/formats.ts';
import { leaderboardRows, writeLeaderboard } from './report/leaderboard.ts';
import { summaryTable } from './report/terminal.ts';
import { plainText } from './untrusted.ts';
import { isRoot } from './util.ts';

const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};
const score = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
};

const program = new Command()
  .name('grade')
  .description('Grade a submission of a backend challenge as a black box and write its reports.')
  .argument('[challenge]', 'challenge slug, e.g. url-shortener')
  .argument('[submission-dir]', 'directory with the submission package.json (not with --batch)')
  .option(
    '--out <dir>',
    'where results.json, exercism.json, junit.xml, report.md and report.html go (with --batch: a folder per submission and the leaderboard; default .grade/batch-<challenge>)',
    '.grade',
  )
  .option(
    '--graders <dir>',
    'a folder of graders to use instead of graders/ (e.g. a private grader repository)',
  )
  .option('--batch <dir>', 'grade every subdirectory of <dir> as a submission, then write a leaderboard')
  .option('--parallel <n>', 'with --batch: gradings at once (load tests still run alone)', int, 2)
  .option(
    '--against <dirs...>',
    "with --batch: earlier cohorts' batch directories, whose submissions the similarity check compares with this batch's too",
  )
  .option(
    '--leaderboard <dir>',
    'only rebuild leaderboard.csv/.html from the report folders in <dir> (merged artifacts)',
  )
  .addOption(
    new Option('--services <mode>', 'where Postgres/Redis come from')
      .choices(['auto', 'env', 'local', 'docker'])
      .default('auto'),
  )
  .addOption(
    new Option(
      '--sandbox <mode>',
      'how candidate code is contained (docker: each instance in a container of its own)',
    )
      .choices(['auto', 'bwrap', 'docker', 'none'])
      .default('auto'),
  )
  .option(
    '--unsafe',
    'grade even where the candidate cannot be isolated (not root, no bubblewrap or iptables, --sandbox none); the report says what it could reach',
  )
  .addOption(
    new Option(
      '--language <language>',
      "the submission's language, when its root says more than one (package.json beside go.mod)",
    ).choices([...LANGUAGES]),
  )
  .option('--seed <n>', 'seed of the randomized inputs (reproduces a run)', int)
  .option('--min-score <s>', 'exit 3 when the score is below this', score)
  .option(
    '--only <items>',
    'grade only these categories and rubric slugs, comma-separated (e.g. concurrency,stats)',
    (v: string) =>
      v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
  )
  .option('--quiet', 'no live view, only the summary')
  .exitOverride()
  .configureOutput({ outputError: (s, write) => write(s) });

/** `challenge`'s grader in a folder of graders given with --graders. */
function graderIn(root: string, challenge: string): string {
  const dir = resolve(root, challenge);
  if (!/^[a-z0-9-]+$/.test(challenge) || !existsSync(join(dir, 'grader.config.ts'))) {
    throw new UsageError(`--graders: no ${challenge}/grader.config.ts in ${root}`);
  }
  return dir;
}

/** A one-line bar on stderr, redrawn on a terminal and a line per event elsewhere. */
function progress(total: number): (e: BatchEvent) => void {
  const tty = process.stderr.isTTY;
  return (e) => {
    if (e.kind === 'similarity') {
      process.stderr.write(
        `similarity: ${e.pairs} pair(s) compared in ${e.seconds.toFixed(1)} s, ${e.listed} at or above the threshold (similarity.html)\n`,
      );
      return;
    }
    const width = 20;
    const filled = Math.round((width * e.done) / e.total);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.done}/${total}`;
    // Names and reasons are the candidates' words: plain text on the terminal.
    const what = plainText(
      e.kind === 'start'
        ? `grading ${e.name}`
        : e.kind === 'done'
          ? `${e.name}: ${e.result.score}/${e.result.max_score}${e.result.status === 'error' ? ` (not graded: ${e.result.reason})` : ` (${e.result.band})`}`
          : e.kind === 'resumed'
            ? `${e.name}: kept from an earlier run`
            : `${e.name}: FAILED to grade: ${e.message}`,
    ).replace(/\n/g, ' ');
    const running = 'running' in e ? ` · ${e.running} running` : '';
    process.stderr.write(
      tty
        ? `\r\u001b[2K${bar} ${what}${running}${e.kind === 'start' ? '' : '\n'}`
        : `${bar} ${what}${running}\n`,
    );
  };
}

let code = 0;
try {
  program.parse();
  const [challenge, submission] = program.args as [string | undefined, string | undefined];
  const o = program.opts<{
    out: string;
    services: 'auto';
    sandbox: 'auto';
    seed?: number;
    minScore?: number;
    quiet?: boolean;
    only?: string[];
    batch?: string;
    against?: string[];
    parallel: number;
    leaderboard?: string;
    graders?: string;
    unsafe?: boolean;
    language?: string;
  }>();
  const graderDir = o.graders && challenge ? graderIn(o.graders, challenge) : undefined;
  if (o.leaderboard) {
    const rows = writeLeaderboard(
      resolve(o.leaderboard),
      challenge ? `${challenge}: leaderboard` : 'Leaderboard',
    );
    process.stdout.write(
      `${rows.length} submission(s): ${join(o.leaderboard, 'leaderboard.csv')}, leaderboard.html\n`,
    );
  } else if (o.batch) {
    if (!challenge || submission)
      throw new UsageError('usage: grade --batch <dir-of-submissions> <challenge>');
    if (o.only) throw new UsageError('--only grades part of a rubric: a leaderboard compares whole gradings');
    const out =
      program.getOptionValueSource('out') === 'default' ? join('.grade', `batch-${challenge}`) : o.out;
    const subs = batchSubmissions(resolve(o.batch));
    const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
    process.stderr.write(
      `batch: ${subs.length} submission(s) of ${challenge}, ${o.parallel} at a time, seed ${seed}\n`,
    );
    const entries = await gradeBatch({
      challenge,
      dir: o.batch,
      out,
      parallel: o.parallel,
      seed,
      services: o.services,
      sandbox: o.sandbox,
      unsafe: o.unsafe,
      graderDir,
      against: o.against,
      onEvent: o.quiet ? undefined : progress(subs.length),
    });
    const rows = leaderboardRows(resolve(out));
    const failed = entries.filter((e) => e.state === 'failed').length;
    process.stdout.write(
      `${rows
        .slice(0, 10)
        .map(
          (r, i) =>
            `${String(i + 1).padStart(3)}. ${r.name.padEnd(24)} ${String(r.score).padStart(6)} / ${r.max}  ${r.band || r.status}`,
        )
        .join(
          '\n',
        )}\nleaderboard: ${join(out, 'leaderboard.csv')} and leaderboard.html; similar pairs: similarity.html; reports in ${out}/<submission>/\n`,
    );
    if (failed) code = 1;
  } else {
    if (!challenge || !submission)
      throw new UsageError('usage: grade <challenge> <submission-dir> (or --batch <dir> <challenge>)');
    const opts = {
      challenge,
      submission,
      services: o.services,
      sandbox: o.sandbox,
      unsafe: o.unsafe,
      seed: o.seed,
      only: o.only,
      live: !o.quiet,
      graderDir,
      ...(o.language ? { language: o.language as Language } : {}),
    };
    const result = await grade(opts).catch(async (e: unknown) => {
      // The first submission in a language installs its toolchain (as root, through apt-get).
      if (!(e instanceof MissingToolchain) || !installToolchain(e.language)) throw e;
      return grade(opts);
    });
    const out = resolve(o.out);
    // The hiring team's own grading: the reviewer's page too (a pull request's never has it).
    writeOutputs(result, out, readFollowUps(graderDir ?? graderDirFor(challenge)));
    process.stdout.write(summaryTable(result, out));
    if (o.minScore !== undefined && result.score < o.minScore) {
      process.stderr.write(`score ${result.score} is below --min-score ${o.minScore}\n`);
      code = 3;
    }
  }
} catch (e) {
  code = cliExitCode('grade', e);
}
process.exit(code);

/** `scripts/setup.sh --languages <language>`, as root only; whether it succeeded. */
function installToolchain(language: Language): boolean {
  const setup = join(REPO_ROOT, 'scripts', 'setup.sh');
  if (!isRoot() || !existsSync(setup)) return false;
  process.stderr.write(
    `grade: no ${language} toolchain here yet; installing it (scripts/setup.sh --languages ${language})\n`,
  );
  return spawnSync('bash', [setup, '--languages', language], { stdio: 'inherit' }).status === 0;
}
