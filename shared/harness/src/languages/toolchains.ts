import { execFileSync } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from '../errors.ts';
import type { Language } from './manifest.ts';

/**
 * Where a candidate's toolchains are looked up, in this order, and the PATH its build and start
 * see: system-wide directories only. Tools under root's home (pyenv, rustup) are never used: the
 * sandbox user cannot run them, and they are not the machine's to share.
 */
export const SYSTEM_PATH = '/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin';

/** No toolchain for `language` the sandbox user can run (the CLI may install one and retry). */
export class MissingToolchain extends InfraError {
  constructor(
    readonly language: Language,
    message: string,
  ) {
    super(message);
  }
}

/** The commands a language's install, build and start need. */
const NEEDS: Record<Exclude<Language, 'node'>, string[]> = {
  python: ['python3'],
  go: ['go'],
  rust: ['cargo', 'rustc'],
  java: ['java', 'mvn'],
};

/** A toolchain the sandbox user can run: its commands' absolute paths and its version line. */
export interface Toolchain {
  language: Language;
  bin: Record<string, string>;
  /** What the toolchain says of its own version (part of the install cache key and the report). */
  version: string;
}

/** `cmd` on `searchPath`, executable by anyone and living under /usr (which every sandbox binds). */
function systemCommand(cmd: string, searchPath: string): string | null {
  for (const dir of searchPath.split(':')) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      const real = realpathSync(p);
      if ((statSync(real).mode & 0o001) === 0) continue;
      if (!real.startsWith('/usr/')) continue;
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

const VERSION_ARGS: Record<string, string[]> = {
  python3: ['--version'],
  go: ['version'],
  cargo: ['--version'],
  rustc: ['--version'],
  java: ['-version'],
  mvn: ['--version'],
};

function versionOf(path: string, cmd: string): string {
  try {
    const out = execFileSync(path, VERSION_ARGS[cmd] ?? ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
      env: { PATH: SYSTEM_PATH, HOME: '/nonexistent', JAVA_TOOL_OPTIONS: '' },
    });
    return out.split('\n')[0]!.trim();
  } catch (e) {
    // java -version writes to stderr
    const err = e as { stderr?: string; stdout?: string };
    return (err.stderr || err.stdout || '').split('\n')[0]!.trim() || '?';
  }
}

/**
 * This machine's toolchain for `language`, or an InfraError whose one line says what to install.
 * Node's is the harness's own and always there.
 */
export function findToolchain(language: Language, searchPath = SYSTEM_PATH): Toolchain {
  if (language === 'node') return { language, bin: { node: process.execPath }, version: process.version };
  const bin: Record<string, string> = {};
  const missing: string[] = [];
  for (const cmd of NEEDS[language]) {
    const p = systemCommand(cmd, searchPath);
    if (p) bin[cmd] = p;
    else missing.push(cmd);
  }
  if (missing.length) {
    throw new MissingToolchain(
      language,
      `no ${language} toolchain the sandbox user can run (${missing.join(', ')} not found in ${searchPath}): run bash scripts/setup.sh --languages ${language}`,
    );
  }
  const version = NEEDS[language].map((c) => versionOf(bin[c]!, c)).join('; ');
  return { language, bin, version };
}
