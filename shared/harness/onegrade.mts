import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { grade } from './src/grade.ts';
import { graderDirFor } from './src/graders.ts';
import { listMutants, materializeMutant } from './src/testing.ts';

const [slug, name, ...only] = process.argv.slice(2);
const graderDir = graderDirFor(slug!);
const ref = join(graderDir, 'reference');
const m = listMutants(join(graderDir, 'mutants')).find((x) => x.name === name);
const dir = m ? materializeMutant(ref, m) : ref;
const t0 = Date.now();
const r = await grade({ challenge: slug!, submission: dir, seed: 3, only: only.length ? only : undefined });
console.log(`wall ${Date.now() - t0} ms`, r.status, r.score, JSON.stringify(r.phases));
if (m) rmSync(dirname(dir), { recursive: true, force: true });
