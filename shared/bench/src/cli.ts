import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '@bc/harness';
import { Command } from 'commander';
import { benchGrade } from './grade-bench.ts';
import { benchSimilarity } from './similarity-bench.ts';
import { suiteCpu } from './suite-cpu.ts';

const program = new Command()
  .name('bench')
  // The subcommands' --runs are their own: without this, the program's --runs took it.
  .enablePositionalOptions()
  .description('Benchmarks that print numbers (not timed tests).')
  .argument('<challenge>', 'the challenge whose graders/<slug>/bench.ts measures its hot path')
  .option('--rounds <n>', 'alternating measurement rounds', '3')
  .option('--seconds <n>', 'length of each round', '5')
  .option('--connections <n>', 'concurrent connections', '20')
  .option('--runs <n>', 'full gradings of the reference timed by phase afterwards', '1')
  .action(
    async (challenge: string, o: { rounds: string; seconds: string; connections: string; runs: string }) => {
      // Each challenge measures its own hot path against its own baseline: nothing of it lives here.
      const file = join(REPO_ROOT, 'graders', challenge, 'bench.ts');
      if (!existsSync(file)) throw new Error(`graders/${challenge}/bench.ts not found`);
      const mod = (await import(pathToFileURL(file).href)) as {
        default: (o: { rounds: number; seconds: number; connections: number }) => Promise<void>;
      };
      await mod.default({
        rounds: Number(o.rounds),
        seconds: Number(o.seconds),
        connections: Number(o.connections),
      });
      process.stdout.write('\n');
      await benchGrade(challenge, Number(o.runs));
    },
  );
program
  .command('grade')
  .argument('<challenge>')
  .option('--runs <n>', 'grading runs (median reported)', '3')
  .description("wall time of full grading runs of the challenge's reference, by phase")
  .action((challenge: string, o: { runs: string }) => benchGrade(challenge, Number(o.runs)));
program
  .command('similarity')
  .option('--submissions <n>', 'submissions compared pairwise', '50')
  .option('--runs <n>', 'comparisons (median reported)', '3')
  .description("wall time of grade batch's similarity pass over n url-shortener submissions")
  .action((o: { submissions: string; runs: string }) =>
    benchSimilarity(Number(o.submissions), Number(o.runs)),
  );
program
  .command('suite-cpu')
  .argument('[command...]', 'what to account for', ['bash', 'scripts/test.sh'])
  .description("core-seconds a command's processes spent, by kind (process accounting; needs accton)")
  .action(async (command: string[]) => process.exit(await suiteCpu(command)));
await program.parseAsync();
process.exit(0);
