import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { SubmissionError, UsageError } from '../errors.ts';
import { isRegularFile, readManifest, readRegular } from '../submission-files.ts';
import { LANGUAGES, type Language, MANIFEST_FILE, type SubmissionManifest } from './manifest.ts';

export { LANGUAGES, type Language, MANIFEST_FILE, readSubmissionManifest } from './manifest.ts';
export { findToolchain, MissingToolchain, SYSTEM_PATH, type Toolchain } from './toolchains.ts';

/** The files at a submission's root that say which language it is in. */
export const MARKERS: Record<Language, string[]> = {
  node: ['package.json'],
  python: ['pyproject.toml', 'requirements.txt', 'uv.lock'],
  go: ['go.mod'],
  rust: ['Cargo.toml'],
  java: ['pom.xml'],
};

/** How a submission is run: its language, why, and the commands of each phase. */
export interface RunPlan {
  language: Language;
  /** What chose the language: `--language`, the manifest, or the marker files found. */
  chosenBy: string;
  /** The build command, or none. */
  build?: string;
  /** The start command (required: a plan without one is refused before anything runs). */
  start: string;
  /** Where each command came from, for the report's first lines. */
  sources: { build: string; start: string };
  /** Extra env for build and start (the manifest's). */
  env: Record<string, string>;
  /** Milliseconds the manifest asked for (already capped). */
  timeouts: { build?: number; healthy?: number };
  /** The manifest said `"install": "none"`. */
  noInstall: boolean;
}

/** The language of the submission in `dir`: the flag, else the manifest, else its marker files. */
export function chooseLanguage(
  dir: string,
  manifest: SubmissionManifest,
  flag?: Language,
): { language: Language; chosenBy: string } {
  if (flag) return { language: flag, chosenBy: '--language' };
  if (manifest.language) return { language: manifest.language, chosenBy: MANIFEST_FILE };
  const found = LANGUAGES.map((l) => ({
    l,
    files: MARKERS[l].filter((f) => isRegularFile(join(dir, f))),
  })).filter((x) => x.files.length > 0);
  if (found.length === 1) return { language: found[0]!.l, chosenBy: found[0]!.files.join(', ') };
  if (found.length === 0) {
    throw new UsageError(
      `no ${LANGUAGES.flatMap((l) => MARKERS[l]).join(', ')} in ${dir} (or only links to them): a submission is a directory with one of them at its root (or a ${MANIFEST_FILE} that names its "language")`,
    );
  }
  throw new UsageError(
    `${dir} has ${found.map((x) => x.files[0]).join(' and ')} at its root: say which language to grade with "language" in ${MANIFEST_FILE} or --language (${found.map((x) => x.l).join(' or ')})`,
  );
}

/** A Heroku-style Procfile's `web:` command, if there is one. */
function procfileWeb(dir: string): string | undefined {
  const raw = readRegular(join(dir, 'Procfile'), 64 * 1024);
  const line = raw
    ?.toString('utf8')
    .split('\n')
    .find((l) => /^web:\s*\S/.test(l));
  return line?.replace(/^web:\s*/, '').trim();
}

/** `[package].name` of a Cargo.toml (the binary cargo builds), checked to be a plain name. */
function cargoBinary(dir: string): string {
  const raw = readRegular(join(dir, 'Cargo.toml'), 1024 * 1024);
  let name: unknown;
  try {
    const toml = parseToml(raw?.toString('utf8') ?? '') as { package?: { name?: unknown } };
    name = toml.package?.name;
  } catch {
    throw new SubmissionError(
      'prepare',
      'Cargo.toml is missing, a link, larger than 1 MB or not valid TOML.',
    );
  }
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name))
    throw new SubmissionError('prepare', 'Cargo.toml has no [package] name of letters, digits, - and _.');
  return name;
}

/** The commands a language runs when the submission says nothing: where each comes from. */
function defaults(dir: string, language: Language): { build?: string; start?: string; from: string } {
  switch (language) {
    case 'node': {
      const scripts = readManifest(dir).scripts ?? {};
      return { build: scripts.build, start: scripts.start, from: 'package.json scripts' };
    }
    case 'python': {
      const main = ['main.py', 'app.py'].find((f) => isRegularFile(join(dir, f)));
      return {
        // Syntax errors are a build verdict with the file and line, not a crash at start.
        build: 'python3 -m compileall -q -x "/[.]deps/" .',
        start: procfileWeb(dir) ?? (main ? `python3 ${main}` : undefined),
        from: 'Python defaults',
      };
    }
    case 'go':
      return {
        build: 'go build -o .bin/server .',
        start: procfileWeb(dir) ?? './.bin/server',
        from: 'Go defaults',
      };
    case 'rust':
      return {
        build: 'cargo build --release --offline --locked',
        start: procfileWeb(dir) ?? `./target/release/${cargoBinary(dir)}`,
        from: 'Rust defaults',
      };
    case 'java':
      return {
        build: 'mvn -o -q -B package -DskipTests',
        start: procfileWeb(dir) ?? 'exec java -jar target/*.jar',
        from: 'Maven defaults',
      };
  }
}

/**
 * The run plan of the submission in `dir` (read before any of its code runs). A plan without a
 * start command is a SubmissionError that says where to put one.
 */
export function planRun(dir: string, manifest: SubmissionManifest, flag?: Language): RunPlan {
  const { language, chosenBy } = chooseLanguage(dir, manifest, flag);
  const d = defaults(dir, language);
  const build = manifest.build ?? d.build;
  const start = manifest.start ?? d.start;
  if (!start) {
    throw new SubmissionError(
      'start',
      language === 'node'
        ? 'package.json has no "start" script: the harness runs `start` to launch the service.'
        : `Nothing says how to start this ${language} service: set "start" in ${MANIFEST_FILE} (or a Procfile's web: line${language === 'python' ? ', or a main.py' : ''}).`,
    );
  }
  return {
    language,
    chosenBy,
    ...(build ? { build } : {}),
    start,
    sources: {
      build: manifest.build ? MANIFEST_FILE : d.from,
      start: manifest.start ? MANIFEST_FILE : d.from,
    },
    env: manifest.env ?? {},
    timeouts: {
      ...(manifest.timeouts?.build ? { build: manifest.timeouts.build * 1000 } : {}),
      ...(manifest.timeouts?.start ? { healthy: manifest.timeouts.start * 1000 } : {}),
    },
    noInstall: manifest.install === 'none',
  };
}
