#!/usr/bin/env -S node --import tsx
import { Command, Option } from 'commander';
import { UsageError } from './errors.ts';
import { EXPORT_LANGUAGES, type ExportLanguage, exportChallenge } from './export.ts';

const program = new Command()
  .name('export')
  .description(
    'Write a standalone candidate repository for a challenge: starter, README, visible tests, lockfile, workflow.',
  )
  .argument('<challenge>', 'challenge slug, e.g. url-shortener')
  .argument('<dir>', 'a new (or empty) directory')
  .addOption(
    new Option(
      '--language <language>',
      "the starter's language (a challenge without one in it says which it has)",
    )
      .choices([...EXPORT_LANGUAGES])
      .default('typescript'),
  )
  .exitOverride()
  .configureOutput({ outputError: (s, write) => write(s) });

let code = 0;
try {
  program.parse();
  const [challenge, dir] = program.args as [string, string];
  const { language } = program.opts<{ language: ExportLanguage }>();
  const files = await exportChallenge(challenge, dir, language);
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
