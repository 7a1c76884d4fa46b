import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { InfraError, SubmissionError } from '../errors.ts';
import {
  cacheRoot,
  chownTree,
  commitCacheEntry,
  pick,
  REGISTRY_ACCESS,
  runInstaller,
  treeBytes,
} from '../install.ts';
import { isRegularFile, readRegular } from '../submission-files.ts';
import { SANDBOX_GID, SANDBOX_UID } from '../supervisor/sandbox.ts';
import { isRoot, TailBuffer } from '../util.ts';
import type { Language } from './manifest.ts';
import { SYSTEM_PATH, type Toolchain } from './toolchains.ts';

/** Where a language's fetched dependencies appear in the work dir (read-only). */
export const DEPS_DIR = '.deps';

/** What a language's install fetched, and how build and start find it. */
export interface LanguageInstall {
  /** The tree to mount read-only at `<workDir>/.deps`, or null when nothing was fetched. */
  dir: string | null;
  cached: boolean;
  /** The install as a command line, for the report ("nothing to fetch" when none ran). */
  command: string;
  /** Env for build and start, given where the tree is visible to the candidate. */
  env(visibleDeps: string, workDir: string): Record<string, string>;
  cleanup(): void;
}

const MAX_FILE = 4 * 1024 * 1024;
const read = (dir: string, f: string): Buffer | null =>
  isRegularFile(join(dir, f)) ? readRegular(join(dir, f), MAX_FILE) : null;

/**
 * Fetch into a cache entry keyed by `key` (language, toolchain version, inputs, command): the
 * inputs are written into a fresh directory and `commands` run there in the installer's jail (the
 * network, that directory and a private home: no other file of this machine, no candidate code).
 * The tree is then root-owned, so no candidate can change what a later run mounts. `reusable`
 * false (unpinned inputs) keeps the tree for this run only.
 */
async function fetchIntoCache(opts: {
  key: (string | Buffer)[];
  inputs: Record<string, Buffer>;
  /** Run in order; an `optional` one (a cache warm-up) may fail without failing the install. */
  commands: ((
    tmp: string,
    home: string,
  ) => { argv: string[]; env: Record<string, string>; optional?: boolean })[];
  /** Before the commands, as the harness: put what they start from into the fresh directory. */
  seed?: (tmp: string) => void;
  reusable: boolean;
  timeoutMs: number;
  ro: string[];
  what: string;
  /** The error a failed command is: the submission's (the default), or this machine's. */
  failure?: (message: string, tail: string) => Error;
}): Promise<{ dir: string; cached: boolean; cleanup(): void }> {
  const hash = createHash('sha256');
  for (const k of opts.key) hash.update(k).update('\0');
  const key = hash.digest('hex').slice(0, 24);
  const root = cacheRoot();
  const entry = join(root, key);
  if (opts.reusable && existsSync(join(entry, '.complete'))) {
    const now = new Date();
    utimesSync(join(entry, '.complete'), now, now);
    return { dir: entry, cached: true, cleanup: () => {} };
  }
  const asNobody = isRoot();
  const tmp = `${entry}.tmp-${process.pid}-${Date.now()}`;
  const home = join(root, 'home');
  mkdirSync(tmp, { recursive: true });
  mkdirSync(home, { recursive: true });
  for (const [name, bytes] of Object.entries(opts.inputs)) {
    mkdirSync(dirname(join(tmp, name)), { recursive: true });
    writeFileSync(join(tmp, name), bytes);
  }
  opts.seed?.(tmp);
  if (asNobody) {
    chownTree(tmp, SANDBOX_UID, SANDBOX_GID);
    chownSync(home, SANDBOX_UID, SANDBOX_GID);
  }
  const log = new TailBuffer(32 * 1024);
  const deadline = Date.now() + opts.timeoutMs;
  for (const command of opts.commands) {
    const { argv, env, optional } = command(tmp, home);
    const code = await runInstaller(argv, {
      cwd: tmp,
      env: { ...pick(process.env, REGISTRY_ACCESS), PATH: SYSTEM_PATH, HOME: home, ...env },
      timeoutMs: Math.max(1000, deadline - Date.now()),
      rw: [tmp, home],
      ro: opts.ro,
      onChunk: (c) => log.push(c),
    });
    if (code !== 0 && !optional) {
      rmSync(tmp, { recursive: true, force: true });
      const message = `Fetching dependencies failed (\`${opts.what}\` exited with ${code}).`;
      throw (opts.failure ?? ((m, t) => new SubmissionError('install', m, t)))(message, log.tail(25));
    }
  }
  for (const name of Object.keys(opts.inputs)) rmSync(join(tmp, name), { force: true });
  if (asNobody) chownTree(tmp, 0, 0);
  // Go's build caches are hard-linked into work dirs, not mounted: their files must refuse the
  // candidate's writes by their modes too, whatever umask the installer ran with.
  spawnSync('chmod', ['-R', 'go-w', tmp]);
  if (!opts.reusable)
    return { dir: tmp, cached: false, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
  commitCacheEntry(tmp, entry);
  return { dir: entry, cached: false, cleanup: () => {} };
}

/** Each language's env for build and start, given where its fetched tree is visible (null: none). */
const RUN_ENV: Record<FetchingLanguage, (deps: string | null, workDir: string) => Record<string, string>> = {
  python: (deps) => ({
    ...(deps
      ? {
          PYTHONPATH: join(deps, 'site-packages'),
          PATH: `${join(deps, 'site-packages', 'bin')}:${SYSTEM_PATH}`,
        }
      : {}),
    PYTHONUNBUFFERED: '1',
  }),
  // An offline build against the fetched modules, with the build cache in the work dir.
  go: (deps, workDir) => ({
    ...(deps ? { GOMODCACHE: join(deps, 'mod') } : {}),
    GOPROXY: 'off',
    GOSUMDB: 'off',
    GOTOOLCHAIN: GO_BUILD_ENV.GOTOOLCHAIN,
    GOFLAGS: `-buildvcs=false -mod=readonly ${GO_BUILD_ENV.GOFLAGS}`,
    GOCACHE: join(workDir, '.cache', 'go-build'),
    GOPATH: join(workDir, '.cache', 'gopath'),
    CGO_ENABLED: GO_BUILD_ENV.CGO_ENABLED,
  }),
  // Cargo's home in the work dir (its locks and config, see rustHome), offline on the vendored crates.
  rust: (_deps, workDir) => ({ CARGO_HOME: rustHome(workDir), CARGO_NET_OFFLINE: 'true' }),
  // Maven's local repository: the fetched one, linked into the work dir (see warmMavenRepo).
  java: (_deps, workDir) => ({ MAVEN_OPTS: `-Dmaven.repo.local=${mavenRepo(workDir)}` }),
};

/** The languages whose install fetches into `.deps` (Node's is install.ts's). */
type FetchingLanguage = 'python' | 'go' | 'rust' | 'java';

/** Where a Maven build finds its local repository in the work dir. */
export const mavenRepo = (workDir: string): string => join(workDir, '.cache', 'm2');

/** The dependency plugin the install runs (newer than Maven 3.8's default, which misses plugins' own dependencies). */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/**
 * Java: `dependency:go-offline` of pom.xml into `.deps/m2` in the installer's jail: the project's
 * dependencies and its plugins with theirs, fetched and never run (no lifecycle phase runs, so no
 * plugin the pom binds does), plus the plexus-utils 1.1 that Maven 3 adds to plugins declaring
 * none. One module only: a multi-module build would need the submission's other poms here.
 */
async function installJava(workDir: string, tc: Toolchain, timeoutMs: number): Promise<LanguageInstall> {
  const pom = read(workDir, 'pom.xml');
  if (!pom) throw new SubmissionError('install', 'pom.xml is missing, a link, or larger than 4 MB.');
  if (/<modules>/.test(pom.toString('utf8')))
    throw new SubmissionError(
      'install',
      'pom.xml has <modules>: a submission is one Maven module whose dependencies come from a repository.',
    );
  // Maven loads a build extension, and a plugin marked as one, into itself as it reads the pom:
  // code the pom chose would run here, with the network.
  if (/<extensions>/.test(pom.toString('utf8')))
    throw new SubmissionError(
      'install',
      'pom.xml declares Maven extensions (<extensions>): they run inside Maven while it fetches, so they are not supported.',
    );
  const shown = 'mvn dependency:go-offline';
  const mvn = (tmp: string, home: string, goal: string[]) => ({
    argv: [tc.bin.mvn!, '-B', '-q', `-Dmaven.repo.local=${join(tmp, 'm2')}`, ...goal],
    env: { MAVEN_OPTS: `-Duser.home=${home}`, JAVA_TOOL_OPTIONS: '' },
  });
  const got = await fetchIntoCache({
    key: ['java', tc.version, pom, DEPENDENCY_PLUGIN, 'go-offline-1'],
    inputs: { 'pom.xml': pom },
    commands: [
      (tmp, home) => mvn(tmp, home, [`${DEPENDENCY_PLUGIN}:go-offline`]),
      (tmp, home) =>
        mvn(tmp, home, [`${DEPENDENCY_PLUGIN}:get`, '-Dartifact=org.codehaus.plexus:plexus-utils:1.1']),
    ],
    reusable: true,
    timeoutMs,
    ro: [],
    what: shown,
  });
  return fetched('java', shown, got);
}

/** Where Cargo keeps its home in the work dir: the harness writes its config there before the build. */
export const rustHome = (workDir: string): string => join(workDir, '.cache', 'cargo');

/**
 * Cargo's config for the build: crates.io replaced by the crates the install vendored (read-only
 * at `visibleDeps/vendor`), so an offline build finds every one. In the work dir's `.cache`, which
 * no submission brings (it is never copied), owned by the sandbox user (Cargo locks its home).
 */
export function writeRustHome(
  workDir: string,
  visibleDeps: string,
  owner: { uid: number; gid: number } | null,
): void {
  const home = rustHome(workDir);
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, 'config.toml'),
    `[source.crates-io]\nreplace-with = "vendored"\n\n[source.vendored]\ndirectory = ${JSON.stringify(join(visibleDeps, 'vendor'))}\n\n[net]\noffline = true\n`,
  );
  if (owner) chownTree(join(workDir, '.cache'), owner.uid, owner.gid);
}

/** No tree fetched: the language's env without one. */
const nothing = (language: FetchingLanguage, command: string): LanguageInstall => ({
  dir: null,
  cached: false,
  command,
  env: (_deps, workDir) => RUN_ENV[language](null, workDir),
  cleanup: () => {},
});

/** A fetched tree: the language's env with it. */
const fetched = (
  language: FetchingLanguage,
  command: string,
  got: { dir: string; cached: boolean; cleanup(): void },
): LanguageInstall => ({ ...got, command, env: (deps, workDir) => RUN_ENV[language](deps, workDir) });

/** Requirement lines that name this machine's files or other files of the submission. */
const LOCAL_REQUIREMENT =
  /^\s*(?:-e\b|--editable\b|-r\b|--requirement\b|-c\b|--constraint\b|\.{0,2}\/|~\/|file:)|@\s*file:/;

/** The Python requirements to fetch: requirements.txt, else pyproject.toml's [project] dependencies. */
function pythonRequirements(dir: string): { text: string; from: string } | null {
  const req = read(dir, 'requirements.txt');
  if (req) return { text: req.toString('utf8'), from: 'requirements.txt' };
  const pyproject = read(dir, 'pyproject.toml');
  if (pyproject) {
    let deps: unknown;
    try {
      deps = (parseToml(pyproject.toString('utf8')) as { project?: { dependencies?: unknown } }).project
        ?.dependencies;
    } catch {
      throw new SubmissionError('install', 'pyproject.toml is not valid TOML.');
    }
    if (deps === undefined) return null;
    if (!Array.isArray(deps) || !deps.every((d) => typeof d === 'string'))
      throw new SubmissionError(
        'install',
        'pyproject.toml has [project] dependencies that are not a list of strings.',
      );
    return { text: deps.join('\n'), from: 'pyproject.toml' };
  }
  if (isRegularFile(join(dir, 'uv.lock')))
    throw new SubmissionError(
      'install',
      'uv.lock alone names no requirements the harness can fetch: add a requirements.txt (`uv export --no-hashes > requirements.txt`) or [project] dependencies in pyproject.toml.',
    );
  return null;
}

async function installPython(workDir: string, tc: Toolchain, timeoutMs: number): Promise<LanguageInstall> {
  const reqs = pythonRequirements(workDir);
  const lines = (reqs?.text ?? '')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'));
  if (!reqs || lines.length === 0) return nothing('python', 'nothing to fetch (no requirements)');
  const local = lines.find((l) => LOCAL_REQUIREMENT.test(l));
  if (local !== undefined)
    throw new SubmissionError(
      'install',
      `${reqs.from} names a local path, an editable install or another requirements file: a submission's dependencies are packages of PyPI.`,
    );
  const argv = (tmp: string) => [
    tc.bin.python3!,
    '-m',
    'pip',
    'install',
    // Wheels only: an sdist's setup.py is code, and nothing of the kind runs at install.
    '--only-binary=:all:',
    '--no-input',
    '--disable-pip-version-check',
    '--no-compile',
    '--target',
    join(tmp, 'site-packages'),
    '-r',
    join(tmp, 'requirements.txt'),
  ];
  const shown = 'pip install --only-binary=:all: --target .deps/site-packages -r requirements';
  const got = await fetchIntoCache({
    key: ['python', tc.version, lines.join('\n'), 'pip-target-2'],
    inputs: { 'requirements.txt': Buffer.from(`${lines.join('\n')}\n`) },
    commands: [
      (tmp, home) => ({
        argv: argv(tmp),
        env: {
          PIP_CACHE_DIR: join(home, '.pip-cache'),
          ...pick(process.env, [
            'PIP_INDEX_URL',
            'PIP_EXTRA_INDEX_URL',
            'PIP_TRUSTED_HOST',
            'PIP_CERT',
            'PIP_DEFAULT_TIMEOUT',
          ]),
        },
      }),
      // Compiled here, once: the sandbox's copy is read-only, so without these each instance
      // compiled FastAPI, pydantic and the rest in memory at every start (1.6 s of imports became
      // 0.5 s; beside Rust's and Java's builds in CI a start passed the 30 s health bound).
      // Unchecked hashes: the tree never changes after this, and copies keep no mtimes to check.
      // Compiling runs none of the code.
      (tmp) => ({
        argv: [
          tc.bin.python3!,
          '-m',
          'compileall',
          '-q',
          '-j',
          '0',
          '--invalidation-mode',
          'unchecked-hash',
          join(tmp, 'site-packages'),
        ],
        env: {},
        // A wheel may ship a file this Python cannot compile (a template, old test code), which
        // makes compileall exit 1; the rest is compiled, and that file was never imported anyway.
        optional: true,
      }),
    ],
    // Pinned requirements are the lockfile; anything looser may resolve differently tomorrow.
    reusable: lines.every((l) => /^[A-Za-z0-9._\-[\],]+\s*==\s*[A-Za-z0-9.+!_-]+(\s*;.*)?$/.test(l)),
    timeoutMs,
    ro: ['/etc/pip.conf', ...(process.env.PIP_CERT ? [process.env.PIP_CERT] : [])],
    what: shown,
  });
  return fetched('python', shown, got);
}

/**
 * The env every Go build of a submission shares with the warm caches, so their entries are hits:
 * -trimpath keeps a package's source directory out of its cache key (modules are fetched into one
 * directory and built from another, the work dir's `.deps`).
 */
export const GO_BUILD_ENV = { CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-trimpath' };

/**
 * The harness's build cache of Go's standard library for `tc`, made once per toolchain (by
 * set-up): `go build std` in the installer's jail, no candidate file in sight. Compiling net/http
 * and its kin costs about 27 CPU-s, which every grading would otherwise pay, as each starts with
 * an empty cache. A failure is this machine's.
 */
export async function goStdCache(tc: Toolchain, timeoutMs = 600_000): Promise<string> {
  const got = await fetchIntoCache({
    key: ['go-std', tc.version, JSON.stringify(GO_BUILD_ENV)],
    inputs: {},
    commands: [
      (tmp, home) => ({
        argv: [tc.bin.go!, 'build', 'std'],
        env: { GOCACHE: join(tmp, 'go-build'), GOPATH: join(home, 'gopath'), ...GO_BUILD_ENV },
      }),
    ],
    reusable: true,
    timeoutMs,
    ro: [],
    what: 'go build std',
    failure: (_message, tail) =>
      new InfraError(
        `go build std failed with this machine's Go (${tc.version}): ${tail.trim().split('\n').slice(-3).join(' | ')}`,
      ),
  });
  return join(got.dir, 'go-build');
}

async function installGo(workDir: string, tc: Toolchain, timeoutMs: number): Promise<LanguageInstall> {
  const mod = read(workDir, 'go.mod');
  if (!mod) throw new SubmissionError('install', 'go.mod is missing, a link, or larger than 4 MB.');
  const sum = read(workDir, 'go.sum');
  if (!/^\s*require\b/m.test(mod.toString('utf8')))
    return nothing('go', 'nothing to fetch (go.mod requires no module)');
  if (/^\s*replace\b[^\n]*=>\s*(\.{0,2}\/|\/)/m.test(mod.toString('utf8')))
    throw new SubmissionError(
      'install',
      "go.mod replaces a module with a local path: a submission's dependencies are modules of the Go module proxy.",
    );
  const shown = 'go mod download';
  // The modules go.mod requires directly, compiled at install (their code, never the
  // submission's): each grading's build then compiles the submission alone.
  const direct = directRequires(mod.toString('utf8'));
  const std = await goStdCache(tc);
  const shared = goSharedCache(tc);
  const got = await fetchIntoCache({
    key: ['go', tc.version, mod, sum ?? 'no-go.sum', JSON.stringify(GO_BUILD_ENV), 'go-mod-download-2'],
    inputs: { 'go.mod': mod, ...(sum ? { 'go.sum': sum } : {}) },
    // A copy, not links: the tree is handed to the installer's user while it builds.
    // The shared cache, once there is one, holds the standard library too (the first install's seed).
    seed: (tmp) => cpSync(existsSync(shared) ? shared : std, join(tmp, 'go-build'), { recursive: true }),
    commands: [
      (tmp, home) => ({ argv: [tc.bin.go!, 'mod', 'download'], env: goFetchEnv(tmp, home) }),
      (tmp, home) => ({
        // What of those modules loads here (a test-only import outside go.sum would stop it all).
        argv: [
          'sh',
          '-c',
          '"$0" list -e -f \'{{if not .Error}}{{if not .DepsErrors}}{{.ImportPath}}{{end}}{{end}}\' "$@" | xargs -r "$0" build',
          tc.bin.go!,
          ...direct.map((m) => `${m}/...`),
        ],
        env: { ...goFetchEnv(tmp, home), GOCACHE: join(tmp, 'go-build'), GOPROXY: 'off', ...GO_BUILD_ENV },
        // Some package of a module may not build here (a platform's, cgo's): the rest still counts.
        optional: true,
      }),
    ],
    // go.sum pins every module's content: without it, nothing is reused.
    reusable: sum !== null,
    timeoutMs,
    ro: [],
    what: shown,
  });
  if (!got.cached && sum !== null) addToGoSharedCache(join(got.dir, 'go-build'), shared);
  return fetched('go', shown, got);
}

/** The most the shared Go build cache grows to; past it, installs stop adding to it. */
const GO_SHARED_CAP_BYTES = 2 * 1024 ** 3;

/**
 * The packages Go installs have compiled (modules and the standard library), for `tc`: each
 * install starts from it and adds what it compiled, so pgx compiled for one submission is not
 * compiled again for the next with another go.sum (each of the five starters' would be, at 20-60
 * CPU-s each). A Go build cache is content-addressed (an entry is named by the hash of everything
 * that went into it), so entries of different installs never conflict; this one is root-owned,
 * and only installs, which compile module code with cgo off and run none, add to it.
 */
function goSharedCache(tc: Toolchain): string {
  const key = createHash('sha256')
    .update(`${tc.version}\0${JSON.stringify(GO_BUILD_ENV)}`)
    .digest('hex');
  return join(cacheRoot(), `go-shared-${key.slice(0, 16)}`);
}

/** Copy what `src` has and `dest` lacks, each file whole under its name (rename) for a reader copying at once. */
function addToGoSharedCache(src: string, dest: string): void {
  if (existsSync(dest) && treeBytes(dest) > GO_SHARED_CAP_BYTES) return;
  const walk = (rel: string): void => {
    mkdirSync(join(dest, rel), { recursive: true, mode: 0o755 });
    for (const e of readdirSync(join(src, rel), { withFileTypes: true })) {
      const r = join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && !existsSync(join(dest, r))) {
        const part = join(dest, `${r}.part-${process.pid}`);
        copyFileSync(join(src, r), part);
        renameSync(part, join(dest, r));
      }
    }
  };
  walk('.');
}

/**
 * Rust: `cargo vendor --locked` of Cargo.lock's crates from crates.io into `.deps/vendor`, in the
 * installer's jail. Vendoring reads the manifest, so the jail gets Cargo.toml and Cargo.lock beside
 * an empty `src/main.rs` (no file of the submission's code, and no build script runs: Cargo
 * runs those at build, in the sandbox, offline). A single package only: a workspace or a path
 * dependency would need the submission's other files here.
 */
async function installRust(workDir: string, tc: Toolchain, timeoutMs: number): Promise<LanguageInstall> {
  const toml = read(workDir, 'Cargo.toml');
  if (!toml) throw new SubmissionError('install', 'Cargo.toml is missing, a link, or larger than 4 MB.');
  const lock = read(workDir, 'Cargo.lock');
  if (!lock)
    throw new SubmissionError(
      'install',
      'Cargo.lock is missing: commit it (cargo generate-lockfile); the install fetches exactly what it pins.',
    );
  let manifest: { workspace?: unknown; dependencies?: Record<string, unknown> };
  try {
    manifest = parseToml(toml.toString('utf8')) as typeof manifest;
  } catch {
    throw new SubmissionError('install', 'Cargo.toml is not valid TOML.');
  }
  const local = /^\s*path\s*=|\bpath\s*=\s*"/m.test(toml.toString('utf8'));
  if (manifest.workspace !== undefined || local)
    throw new SubmissionError(
      'install',
      'Cargo.toml is a workspace or has a path dependency: a submission is one package whose dependencies are crates of crates.io.',
    );
  const shown = 'cargo vendor --locked';
  const got = await fetchIntoCache({
    key: ['rust', tc.version, toml, lock, 'cargo-vendor-1'],
    inputs: { 'Cargo.toml': toml, 'Cargo.lock': lock, 'src/main.rs': Buffer.from('fn main() {}\n') },
    commands: [
      (tmp, home) => ({
        argv: [tc.bin.cargo!, 'vendor', '--locked', '--versioned-dirs', join(tmp, 'vendor')],
        env: {
          CARGO_HOME: join(home, 'cargo'),
          ...pick(process.env, ['CARGO_REGISTRIES_CRATES_IO_PROTOCOL', 'CARGO_HTTP_TIMEOUT']),
        },
      }),
    ],
    reusable: true,
    timeoutMs,
    ro: [],
    what: shown,
  });
  return fetched('rust', shown, got);
}

/** Env for fetching modules into `tmp/mod` (a private home for everything else). */
const goFetchEnv = (tmp: string, home: string): Record<string, string> => ({
  GOMODCACHE: join(tmp, 'mod'),
  GOPATH: join(home, 'gopath'),
  GOCACHE: join(home, 'gocache'),
  GOTOOLCHAIN: GO_BUILD_ENV.GOTOOLCHAIN,
  GOFLAGS: '-modcacherw',
  GOPROXY: process.env.GOPROXY ?? 'https://proxy.golang.org',
  ...pick(process.env, ['GOSUMDB', 'GONOSUMDB', 'GOPRIVATE', 'GONOPROXY', 'GOINSECURE']),
});

/** Module paths go.mod requires directly (not `// indirect`), checked to be plain paths. */
export function directRequires(goMod: string): string[] {
  const lines: string[] = [];
  for (const block of goMod.matchAll(/^require\s*\(([\s\S]*?)^\)/gm)) lines.push(...block[1]!.split('\n'));
  for (const one of goMod.matchAll(/^require\s+([^(\s][^\n]*)$/gm)) lines.push(one[1]!);
  return lines
    .filter((l) => !/\/\/\s*indirect/.test(l))
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((m) => /^[A-Za-z0-9.\-_~/]+$/.test(m) && !m.startsWith('-'));
}

/**
 * Phase "install" for a language other than Node (whose install is install.ts's): fetch only,
 * in the installer's jail, cached by the pinned inputs and the toolchain's version.
 */
export async function installLanguageDeps(
  language: Exclude<Language, 'node'>,
  workDir: string,
  tc: Toolchain,
  opts: { timeoutMs: number; skip: boolean },
): Promise<LanguageInstall> {
  if (opts.skip) return nothing(language, 'none ("install": "none")');
  switch (language) {
    case 'python':
      return installPython(workDir, tc, opts.timeoutMs);
    case 'go':
      return installGo(workDir, tc, opts.timeoutMs);
    case 'rust':
      return installRust(workDir, tc, opts.timeoutMs);
    case 'java':
      return installJava(workDir, tc, opts.timeoutMs);
  }
}
