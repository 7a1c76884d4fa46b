#!/usr/bin/env -S node --import tsx
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { InfraError, InterruptedError, UsageError } from './errors.ts';
import { grade } from './grade.ts';
import { writeOutputs } from './report/formats.ts';
import { summaryTable } from './report/terminal.ts';

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
  .argument('<challenge>', 'challenge slug, e.g. url-shortener')
  .argument('<submission-dir>', 'directory with the submission package.json')
  .option('--out <dir>', 'where results.json, exercism.json, junit.xml and report.md go', '.grade')
  .addOption(
    new Option('--services <mode>', 'where Postgres/Redis come from')
      .choices(['auto', 'env', 'local', 'docker'])
      .default('auto'),
  )
  .addOption(
    new Option('--sandbox <mode>', 'how candidate code is contained')
      .choices(['auto', 'bwrap', 'none'])
      .default('auto'),
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

let code = 0;
try {
  program.parse();
  const [challenge, submission] = program.args as [string, string];
  const o = program.opts<{
    out: string;
    services: 'auto';
    sandbox: 'auto';
    seed?: number;
    minScore?: number;
    quiet?: boolean;
    only?: string[];
  }>();
  const result = await grade({
    challenge,
    submission,
    services: o.services,
    sandbox: o.sandbox,
    seed: o.seed,
    only: o.only,
    live: !o.quiet,
  });
  const out = resolve(o.out);
  writeOutputs(result, out);
  process.stdout.write(summaryTable(result, out));
  if (o.minScore !== undefined && result.score < o.minScore) {
    process.stderr.write(`score ${result.score} is below --min-score ${o.minScore}\n`);
    code = 3;
  }
} catch (e) {
  const err = e as Error & { code?: string; exitCode?: number };
  if (err.code?.startsWith('commander.')) {
    code = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
  } else if (e instanceof InterruptedError) {
    process.stderr.write(`grade: ${err.message}; everything it started was stopped\n`);
    code = e.signal === 'SIGINT' ? 130 : 143;
  } else if (e instanceof UsageError) {
    process.stderr.write(`grade: ${err.message}\n`);
    code = 2;
  } else if (e instanceof InfraError) {
    process.stderr.write(`grade: cannot grade on this machine: ${err.message}\n`);
    code = 1;
  } else {
    process.stderr.write(`grade: internal error: ${err.message}\n`);
    code = 1;
  }
}
process.exit(code);
