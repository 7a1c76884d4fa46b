import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { InfraError } from './errors.ts';
import { cacheRoot } from './install.ts';
import { findToolchain, type Language, SYSTEM_PATH, type Toolchain } from './languages/index.ts';
import { goStdCache, installLanguageDeps } from './languages/install.ts';
import { hashTree } from './provenance.ts';
import type { BaselineSources } from './types.ts';

const require = createRequire(import.meta.url);

/** How the session starts one calibration server: the grader's own code, on this machine. */
export interface BaselineCommand {
  /** The language it is written in: the submission's when the grader has one in it, else node. */
  language: Language;
  argv: string[];
  cwd?: string;
  env: Record<string, string>;
}

/** The grader's entry for `language`, else its Node one: a path, whatever the form declared. */
export function baselineSource(
  declared: string | BaselineSources,
  language: Language,
): { language: Language; path: string } {
  if (typeof declared === 'string') return { language: 'node', path: declared };
  const path = language === 'python' || language === 'go' ? declared[language] : undefined;
  return path ? { language, path } : { language: 'node', path: declared.node };
}

/**
 * Each baseline the grader declares, ready to start in the submission's language when the grader
 * wrote one in it (performance is then measured against the same work done in that language:
 * the design is graded, not the language), else in Node. Run by the harness before the session,
 * with the network: a Python baseline's wheels and a Go baseline's modules are fetched by the
 * installer (cached per lockfile, as a submission's are), and a Go baseline is built once per
 * source and toolchain. A failure is the grader's or this machine's, never the candidate's.
 */
export async function prepareBaselines(
  declared: Record<string, string | BaselineSources>,
  language: Language,
  timeoutMs = 600_000,
): Promise<{ commands: Record<string, BaselineCommand>; cleanup(): void }> {
  const commands: Record<string, BaselineCommand> = {};
  const cleanups: (() => void)[] = [];
  const cleanup = (): void => {
    for (const c of cleanups) c();
  };
  for (const [name, entry] of Object.entries(declared)) {
    const src = baselineSource(entry, language);
    try {
      commands[name] = await prepareOne(src.language, src.path, timeoutMs, cleanups);
    } catch (e) {
      cleanup();
      throw new InfraError(
        `baseline ${name} (${src.language}) could not be prepared: ${(e as Error).message}`,
      );
    }
  }
  return { commands, cleanup };
}

async function prepareOne(
  language: Language,
  path: string,
  timeoutMs: number,
  /** What to remove when the grading ends (a fetch that could not be cached). */
  cleanups: (() => void)[],
): Promise<BaselineCommand> {
  switch (language) {
    case 'node':
      return {
        language,
        argv: [process.execPath, '--import', require.resolve('tsx'), path],
        env: { NODE_ENV: 'production' },
      };
    case 'python': {
      const tc = findToolchain('python');
      const deps = await installLanguageDeps('python', path, tc, { timeoutMs, skip: false });
      cleanups.push(deps.cleanup);
      return {
        language,
        argv: [tc.bin.python3!, join(path, 'main.py')],
        cwd: path,
        env: deps.env(deps.dir ?? '', path),
      };
    }
    case 'go':
      return { language, argv: [await buildGo(findToolchain('go'), path, timeoutMs)], env: {} };
    default:
      throw new Error(`baselines in ${language} are not supported (node, python, go)`);
  }
}

/** The baseline in `dir` built with `tc`, once per source and toolchain: the binary's path. */
async function buildGo(tc: Toolchain, dir: string, timeoutMs: number): Promise<string> {
  const key = hashTree(createHash('sha256').update(`${tc.version}\0`), dir, (n) => n.startsWith('.'))
    .digest('hex')
    .slice(0, 24);
  const entry = join(cacheRoot(), `go-baseline-${key}`);
  const binary = join(entry, 'server');
  if (existsSync(binary)) return binary;
  const deps = await installLanguageDeps('go', dir, tc, { timeoutMs, skip: false });
  const tmp = `${entry}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    cpSync(dir, join(tmp, 'src'), { recursive: true });
    // Compiled modules (or the standard library) to start from: the build compiles main alone.
    const compiled = deps.dir ? join(deps.dir, 'go-build') : await goStdCache(tc);
    cpSync(compiled, join(tmp, 'src', '.cache', 'go-build'), { recursive: true });
    const built = spawnSync(tc.bin.go!, ['build', '-o', join(tmp, 'server'), '.'], {
      cwd: join(tmp, 'src'),
      env: { PATH: SYSTEM_PATH, HOME: tmp, ...deps.env(deps.dir ?? '', join(tmp, 'src')) },
      timeout: timeoutMs,
      encoding: 'utf8',
    });
    if (built.status !== 0)
      throw new Error(`go build failed: ${(built.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
    rmSync(join(tmp, 'src'), { recursive: true, force: true });
    try {
      renameSync(tmp, entry);
    } catch {
      // Another grading built it meanwhile, from the same source: theirs is kept.
    }
    return binary;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    // Built, the binary needs nothing of the fetch.
    deps.cleanup();
  }
}
