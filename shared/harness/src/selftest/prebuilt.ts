import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { prepareCopy } from '../bench-kit.ts';
import { type Mutant, materializeMutant } from '../mutants.ts';
import { ownedTempDir } from '../owned-dirs.ts';

/**
 * The reference built once (installed through the grading cache, compiled with its own tsc), for
 * every mutant of a self-validation to start from: a mutant then costs a transpile of the files
 * its patch touches instead of a whole type-checked build (two seconds of CPU each, a third of a
 * mutant's grading on two busy cores).
 */
export async function buildReference(referenceDir: string): Promise<string> {
  return prepareCopy(referenceDir, join(ownedTempDir(tmpdir(), 'bc-reference-built-'), 'submission'));
}

/** The files a patch writes (`+++ path`), or null when it deletes one. */
function touchedFiles(patch: string): string[] | null {
  const out = [...patch.matchAll(/^\+\+\+ (\S+)$/gm)].map((m) => m[1]!);
  return out.includes('/dev/null') ? null : out;
}

/**
 * A mutant from a built reference: the patch applied, each source file it touches transpiled into
 * `dist/` (no type check: a patch's types are the reference's), and no build script left, so the
 * grading starts what was compiled here. Null when the patch touches anything but `src/*.ts` (a
 * dependency, a deleted file): such a mutant is built by its grading, like any submission.
 */
export function materializeBuiltMutant(builtReference: string, m: Mutant): string | null {
  const touched = touchedFiles(readFileSync(m.patchFile, 'utf8'));
  if (!touched?.length || !touched.every((f) => /^src\/[\w./-]+\.ts$/.test(f))) return null;
  if (!existsSync(join(builtReference, 'dist'))) return null;
  // The built reference's dist/ comes along; its dependencies are the grading's to install.
  const dir = materializeMutant(builtReference, m, ['node_modules']);
  for (const file of touched) {
    const js = join(dir, 'dist', file.slice('src/'.length).replace(/\.ts$/, '.js'));
    const { outputText } = ts.transpileModule(readFileSync(join(dir, file), 'utf8'), {
      fileName: file,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        esModuleInterop: true,
      },
    });
    mkdirSync(dirname(js), { recursive: true });
    writeFileSync(js, outputText);
  }
  const manifest = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> };
  if (pkg.scripts) delete pkg.scripts.build;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
  return dir;
}
