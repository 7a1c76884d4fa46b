#!/usr/bin/env -S node --import tsx
import { Command } from 'commander';
import { UsageError } from './errors.ts';
import { exportChallenge } from './export.ts';

const program = new Command()
  .name('export')
  .description(
    'Write a standalone candidate repository for a challenge: starter, README, visible tests, lockfile, workflow.',
  )
  .argument('<challenge>', 'challenge slug, e.g. url-shortener')
  .argument('<dir>', 'a new (or empty) directory')
  .exitOverride()
  .configureOutput({ outputError: (s, write) => write(s) });

let code = 0;
try {
  program.parse();
  const [challenge, dir] = program.args as [string, string];
  const files = await exportChallenge(challenge, dir);
  process.stdout.write(
    `exported ${challenge} to ${dir} (${files.length} files)\nnext: cd ${dir} && git init && git add -A && git commit -m start, then push it to a repository the candidate can open pull requests on\n`,
  );
} catch (e) {
  const err = e as Error & { code?: string };
  if (err.code?.startsWith('commander.')) code = err.code === 'commander.helpDisplayed' ? 0 : 2;
  else {
    process.stderr.write(`export: ${err.message}\n`);
    code = e instanceof UsageError ? 2 : 1;
  }
}
process.exit(code);
