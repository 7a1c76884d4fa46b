import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './graders.ts';
import { listMutants, mutantTable, withMutantTable } from './mutants.ts';

// Rewrites the table of every graders/*/mutants/README.md from its patch headers.
for (const slug of readdirSync(join(REPO_ROOT, 'graders'))) {
  const dir = join(REPO_ROOT, 'graders', slug, 'mutants');
  const path = join(dir, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const next = withMutantTable(readme, mutantTable(listMutants(dir)));
  if (next === null) throw new Error(`${path}: no generated-table markers`);
  if (next !== readme) writeFileSync(path, next);
  console.log(`${slug}: ${next === readme ? 'up to date' : 'rewritten'}`);
}
