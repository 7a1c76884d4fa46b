import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '/work/main/shared/harness/src/graders.ts';
import {
  goldenText,
  listMutants,
  mutantMismatches,
  SelfGradings,
} from '/work/main/shared/harness/src/testing.ts';

const [slug, name] = process.argv.slice(2);
const graderDir = join(REPO_ROOT, 'graders', slug!);
const g = await SelfGradings.create(graderDir, { width: 3 });
const m = listMutants(join(graderDir, 'mutants')).find((x) => x.name === name)!;
const r = await g.mutant(m, join(graderDir, 'reference'), 77, 'items');
console.log('mismatches', mutantMismatches(r, m));
console.log(
  'golden equal',
  goldenText(r) === readFileSync(m.patchFile.replace(/\.patch$/, '.golden.txt'), 'utf8'),
);
for (const t of r.tests) console.log(t.id, t.score, JSON.stringify(t.measured));
process.exit(0);
