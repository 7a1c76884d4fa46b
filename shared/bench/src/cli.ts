import { Command } from 'commander';
import { benchGrade } from './grade-bench.ts';
import { benchRedirect } from './redirect-bench.ts';

const program = new Command().name('bench').description('Benchmarks that print numbers (not timed tests).');
program
  .command('grade')
  .argument('<challenge>')
  .option('--runs <n>', 'grading runs (median reported)', '3')
  .description("wall time of full grading runs of the challenge's reference, by phase")
  .action((challenge: string, o: { runs: string }) => benchGrade(challenge, Number(o.runs)));
program
  .command('redirect')
  .argument('<challenge>')
  .option('--rounds <n>', 'alternating measurement rounds', '3')
  .option('--seconds <n>', 'length of each round', '5')
  .option('--connections <n>', 'concurrent connections', '20')
  .description('reference hot path vs a bare Express + Redis GET baseline, same run, same machine')
  .action((challenge: string, o: { rounds: string; seconds: string; connections: string }) =>
    benchRedirect(challenge, {
      rounds: Number(o.rounds),
      seconds: Number(o.seconds),
      connections: Number(o.connections),
    }),
  );
await program.parseAsync();
process.exit(0);
