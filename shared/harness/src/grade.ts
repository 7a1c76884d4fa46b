import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineSource, prepareBaselines } from './baselines.ts';
import { InfraError, InterruptedError, SubmissionError, UsageError } from './errors.ts';
import { graderDirFor, limitsOf, loadGrader, REPO_ROOT, timeoutsOf } from './graders.ts';
import { installDependencies } from './install.ts';
import {
  chooseLanguage,
  findToolchain,
  type Language,
  planRun as planSubmissionRun,
  type RunPlan,
  readSubmissionManifest,
  SYSTEM_PATH,
  type Toolchain,
} from './languages/index.ts';
import { DEPS_DIR, installLanguageDeps, mavenRepo, writeRustHome } from './languages/install.ts';
import { warmGoCache, warmMavenRepo } from './languages/warm.ts';
import { acquireShared, releaseShared } from './load-lock.ts';
import { ownedTempDir, removeDeadOwnedDirs } from './owned-dirs.ts';
import { type Logger, PhaseTimer, stderrLogger } from './phases.ts';
import { provenanceOf } from './provenance.ts';
import { dockerUnavailable, reapContainers, runnerImage } from './provision/docker.ts';
import { missingServicesHint, resolveServicesMode, type ServicesMode } from './provision/index.ts';
import { scoreRun, summaryText } from './report/score.ts';
import type { SessionOutcome, SessionRequest, SessionResult } from './session.ts';
import { checkSubmissionTree, NOT_COPIED } from './submission-files.ts';
import { CONTAINER_CPUS } from './supervisor/container.ts';
import { firewallAvailable, reapFirewall } from './supervisor/firewall.ts';
import { sweepMarker, sweepOrphans } from './supervisor/proc.ts';
import { netnsAvailable, planSandbox, runUid, type SandboxPlan } from './supervisor/sandbox.ts';
import {
  CATEGORIES,
  type GradeResult,
  type GraderDefinition,
  type RuntimeReport,
  type SandboxReport,
  type Timeouts,
} from './types.ts';
import { plainDeep } from './untrusted.ts';
import { isRoot, TailBuffer } from './util.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Options of one grading run (the CLI's flags). */
export interface GradeOptions {
  challenge: string;
  submission: string;
  services?: ServicesMode;
  sandbox?: 'auto' | 'bwrap' | 'docker' | 'none';
  seed?: number;
  /** Print the live view to stderr. */
  live?: boolean;
  /** Grade with a grader outside graders/ (the harness's own fixtures). */
  graderDir?: string;
  /** Grade only these categories and rubric slugs (`--only`); the report lists what was skipped. */
  only?: string[];
  timeoutOverrides?: Partial<Timeouts>;
  /**
   * A load lock directory shared by gradings on one machine (a batch's, or `GRADE_LOAD_LOCK`'s):
   * they run side by side, and each load measurement waits until it is alone.
   */
  loadLock?: string;
  /** Grade even where the candidate cannot be fully isolated (the report says what it could reach). */
  unsafe?: boolean;
  /** The submission's language when its files could be read either way (`--language`). */
  language?: Language;
  /**
   * Seed the grader's smaller dataset (`prepare`'s `small`): the self-test's gradings of a mutant
   * on the items it names, whose bugs do not depend on the data's size. Never a user's grading.
   */
  small?: boolean;
  /**
   * How many times slower than alone the service may take to start (default 1): the self-test's
   * gradings share the machine with others of its pool. Never a user's grading.
   */
  startSlowdown?: number;
}

function harnessInfo() {
  const pkg = JSON.parse(readFileSync(join(HERE, '..', 'package.json'), 'utf8')) as { version: string };
  return { version: pkg.version, node: process.version };
}

/**
 * What the candidate could reach beyond its own files and the addresses its env names, in this
 * plan (docs/security.md); empty when it is fully isolated.
 */
export function isolationGaps(plan: SandboxPlan, firewall: boolean): string[] {
  const gaps: string[] = [];
  if (plan.mode === 'none') gaps.push("no sandbox: the candidate sees this machine's files");
  if (plan.mode !== 'docker' && !plan.runAs)
    gaps.push(
      isRoot()
        ? 'no setpriv (util-linux): the candidate would run as root'
        : "not root: the candidate runs as the grading user, with that user's groups and network",
    );
  else if (plan.mode === 'bwrap' && !firewall)
    gaps.push('no firewall (iptables): the candidate reaches the harness, the real services and the network');
  return gaps;
}

function sandboxReport(
  plan: SandboxPlan,
  isolatedNet: boolean,
  limits: ReturnType<typeof limitsOf>,
  gaps: string[],
): SandboxReport {
  const enforcedBy = ['watchdog'];
  if (plan.mode === 'docker') enforcedBy.push(`Docker (memory, pids, ${CONTAINER_CPUS} CPUs per container)`);
  else if (plan.runAs) enforcedBy.push('RLIMIT_NPROC');
  if (plan.mode !== 'docker' && isRoot() && process.env.GRADE_NO_CGROUPS !== '1') {
    enforcedBy.push('cgroups (when available)');
  }
  const notes = [
    plan.note,
    !isolatedNet && plan.mode === 'bwrap'
      ? 'no private network namespace here: network not isolated'
      : undefined,
  ];
  const docker = plan.mode === 'docker';
  return {
    mode: plan.mode,
    network: docker ? 'internal container network' : isolatedNet ? 'loopback-only' : 'host',
    filesystem: docker
      ? 'read-only root, writable work dir and /tmp'
      : plan.mode === 'bwrap'
        ? 'read-only outside work dir'
        : 'unrestricted',
    user: plan.runAs ? `uid ${plan.runAs.uid}` : `uid ${process.getuid?.() ?? '?'} (the harness's own)`,
    limits: { ...limits, enforcedBy },
    isolation: gaps.length ? `UNSAFE: ${gaps.join('; ')}` : 'isolated',
    ...(notes.some(Boolean) ? { note: notes.filter(Boolean).join('; ') } : {}),
  };
}

/**
 * Where run dirs go. Not /tmp: the sandbox mounts a private tmpfs there, which would hide rather
 * than refuse a candidate's writes next to its work dir.
 */
function runRoot(): string {
  const root = process.env.GRADE_RUN_DIR ?? (existsSync('/var/tmp') ? '/var/tmp' : tmpdir());
  mkdirSync(root, { recursive: true });
  return root;
}

/**
 * Reap what runs killed outright left behind: their processes (services outlive a SIGKILLed
 * harness) and their run dirs. Every run does this first.
 */
export function reapDeadRuns(): void {
  sweepOrphans();
  reapContainers();
  reapFirewall();
  // Run dirs of runs whose harness was killed outright.
  removeDeadOwnedDirs(runRoot(), ['bc-grade-']);
}

/**
 * Copy a submission into the run's work dir, leaving out what must be rebuilt or is ours. Its
 * links are checked first and copied as they are written (Node would otherwise rewrite a relative
 * link into an absolute one back into the original).
 */
function copySubmission(src: string, dest: string): void {
  checkSubmissionTree(src);
  cpSync(src, dest, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (p) => !NOT_COPIED.has(basename(p)),
  });
}

/**
 * `--only` entries (categories or rubric slugs) as the slugs they select; a usage error names any
 * entry that is neither.
 */
export function selectItems(def: GraderDefinition, only: string[] | undefined): string[] | null {
  if (!only?.length) return null;
  const slugs = new Set<string>();
  for (const entry of only) {
    const inCategory = (CATEGORIES as readonly string[]).includes(entry)
      ? def.rubric.filter((r) => r.category === entry)
      : def.rubric.filter((r) => r.slug === entry);
    if (inCategory.length === 0) {
      throw new UsageError(
        `--only: "${entry}" is neither a category (${CATEGORIES.join(', ')}) nor a rubric item of ${def.slug}`,
      );
    }
    for (const r of inCategory) slugs.add(r.slug);
  }
  return def.rubric.map((r) => r.slug).filter((slug) => slugs.has(slug));
}

/** The arguments, checked: usage errors before anything is started. */
async function resolveInputs(opts: GradeOptions) {
  const graderDir = opts.graderDir ? resolve(opts.graderDir) : graderDirFor(opts.challenge);
  const submission = resolve(opts.submission);
  if (!existsSync(submission) || !statSync(submission).isDirectory()) {
    throw new UsageError(`submission directory not found: ${opts.submission}`);
  }
  // Chosen from the original, read-only: a manifest too broken to name a language is reported
  // with the grading (as any SubmissionError), after the copy.
  let manifest = {};
  try {
    manifest = readSubmissionManifest(submission);
  } catch {
    // reported later
  }
  const { language } = chooseLanguage(submission, manifest, opts.language);
  const def = await loadGrader(graderDir);
  return { graderDir, submission, def, only: selectItems(def, opts.only), language };
}

/** Phase "plan": how this machine will contain the candidate and provide its services. */
async function planRun(opts: GradeOptions, def: GraderDefinition, language: Language) {
  const limits = limitsOf(def);
  // A missing toolchain is this machine's to fix, before anything is started.
  const toolchain = findToolchain(language);
  let plan = planSandbox(opts.sandbox ?? 'auto', runUid());
  // Without bubblewrap, a Docker engine with the runner image is the better sandbox.
  if (
    plan.mode === 'none' &&
    (opts.sandbox ?? 'auto') === 'auto' &&
    dockerUnavailable([], toolchain) === null
  ) {
    plan = planSandbox('docker', runUid());
  }
  const servicesMode = await resolveServicesMode(opts.services ?? 'auto', def.services);
  if (servicesMode === 'docker' || plan.mode === 'docker') {
    const why = dockerUnavailable(
      servicesMode === 'docker' ? def.services : [],
      plan.mode === 'docker' ? toolchain : false,
    );
    if (why) {
      throw new InfraError(
        opts.services === 'auto' && servicesMode === 'docker'
          ? `${missingServicesHint(def.services)}; or, for Docker: ${why}`
          : why,
      );
    }
  }
  const isolatedNet = plan.mode === 'bwrap' && servicesMode === 'local' && netnsAvailable();
  const firewall = plan.mode === 'bwrap' && plan.runAs !== null && firewallAvailable();
  const gaps = isolationGaps(plan, firewall);
  if (gaps.length && !opts.unsafe) {
    throw new InfraError(
      `refusing to grade without isolation (${gaps.join('; ')}): run as root with bubblewrap and iptables (sudo bash scripts/setup.sh), use --sandbox docker, or pass --unsafe to grade anyway`,
    );
  }
  return {
    plan,
    servicesMode,
    isolatedNet,
    firewall,
    toolchain,
    report: sandboxReport(plan, isolatedNet, limits, gaps),
  };
}

/** What prepare and install settled: the run plan and the dependencies to mount. */
interface Prepared {
  plan: RunPlan;
  deps: { src: string; dest: string } | null;
  /** The language's env for build and start, given where the dependencies are visible. */
  langEnv(visibleDeps: string): Record<string, string>;
  install: string;
  cleanup(): void;
}

/**
 * Phases "prepare" and "install": the submission copied into the run dir, its run plan read (before
 * any of its code runs: later the candidate could swap its files for links), its dependencies
 * fetched.
 */
async function prepareWorkDir(
  submission: string,
  workDir: string,
  ctx: {
    language: Language;
    /** `--language`, if given. */
    flag?: Language;
    toolchain: Toolchain;
    timeouts: Timeouts;
    timer: PhaseTimer;
    log: Logger;
  },
): Promise<Prepared> {
  const { language, toolchain, timeouts, timer, log } = ctx;
  const plan = await timer.run('prepare', async () => {
    copySubmission(submission, workDir);
    return planSubmissionRun(workDir, readSubmissionManifest(workDir), ctx.flag);
  });
  // The copy says what the original said (nothing of the candidate's ran in between), unless
  // the manifest is too broken to read: then planSubmissionRun has thrown above.
  if (plan.language !== language) throw new Error(`the submission's language changed while it was copied`);
  return timer.run('install', async (): Promise<Prepared> => {
    if (language === 'node') {
      log.say('  installing dependencies (lifecycle scripts off)');
      const inst = plan.noInstall
        ? { nodeModules: null, cached: false, command: 'none ("install": "none")', cleanup: () => {} }
        : await installDependencies(workDir, { timeoutMs: timeouts.install });
      if (inst.cached) log.say('  dependencies: reused a cached install of the same lockfile');
      return {
        plan,
        deps: inst.nodeModules ? { src: inst.nodeModules, dest: join(workDir, 'node_modules') } : null,
        langEnv: () => ({}),
        install: `${inst.command}${inst.cached ? ' (cached)' : ''}`,
        cleanup: inst.cleanup,
      };
    }
    log.say(`  fetching ${language} dependencies (${toolchain.version})`);
    const inst = await installLanguageDeps(language, workDir, toolchain, {
      timeoutMs: timeouts.install,
      skip: plan.noInstall,
    });
    return {
      plan,
      deps: inst.dir ? { src: inst.dir, dest: join(workDir, DEPS_DIR) } : null,
      langEnv: (visible) => inst.env(visible, workDir),
      install: `${inst.command}${inst.cached ? ' (cached)' : ''}`,
      cleanup: inst.cleanup,
    };
  });
}

/**
 * Phase "session": the inner process (in a private network namespace when there is one) that
 * provisions, builds, starts and runs the suite. Resolves with the outcome it wrote as data.
 */
async function runSessionProcess(
  req: SessionRequest,
  isolatedNet: boolean,
  totalMs: number,
  live: boolean,
  onChild: (child: ReturnType<typeof spawn>) => void,
): Promise<{ outcome: SessionOutcome | null; code: number | null; errTail: string }> {
  const reqFile = join(req.runDir, 'session-request.json');
  writeFileSync(reqFile, JSON.stringify(req), { mode: 0o600 });
  const node = [process.execPath, join(HERE, 'session-entry.mjs'), reqFile];
  const argv = isolatedNet
    ? ['unshare', '--net', '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'session', ...node]
    : node;
  const errTail = new TailBuffer(16 * 1024);
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: REPO_ROOT,
    env: { ...process.env, ...req.markerEnv },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  onChild(child);
  child.stderr?.on('data', (c: Buffer) => {
    errTail.push(c);
    if (live) process.stderr.write(c);
  });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const timer = setTimeout(() => {
    errTail.push(Buffer.from(`[harness] grading exceeded ${totalMs / 1000} s and was stopped\n`));
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, totalMs);
  const code = await exited;
  clearTimeout(timer);
  const outcome = existsSync(req.resultFile)
    ? (JSON.parse(readFileSync(req.resultFile, 'utf8')) as SessionOutcome)
    : null;
  return { outcome, code, errTail: errTail.tail(10) };
}

/**
 * Grade one submission: plan → prepare and install → session (provision, proxies, build, start,
 * suite) → score. Never throws for a bad submission (that is a result with status "error");
 * throws UsageError for bad arguments and InfraError when this machine cannot grade.
 */
export async function grade(opts: GradeOptions): Promise<GradeResult> {
  const started = Date.now();
  const { graderDir, submission, def, only, language } = await resolveInputs(opts);
  const timeouts = { ...timeoutsOf(def), ...opts.timeoutOverrides };
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const timer = new PhaseTimer();
  const live = opts.live ?? false;
  const log = stderrLogger(live);
  const { plan, servicesMode, isolatedNet, firewall, toolchain, report } = await planRun(opts, def, language);

  reapDeadRuns();
  // The owner's pid ends the marker, so a later run can tell this run's leftovers from a live run's.
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}-${process.pid}`;
  const markerEnv = { BC_GRADE_RUN: runId };
  const runDir = ownedTempDir(runRoot(), 'bc-grade-');
  // Private to the run: the unprivileged candidate may traverse it to its work dir, never list it;
  // what the harness keeps here is root's alone (mode 0600).
  chmodSync(runDir, 0o711);
  const workDir = join(runDir, 'work');
  let cleanupInstall = (): void => {};
  const loadLock = opts.loadLock ?? (process.env.GRADE_LOAD_LOCK || undefined);
  let releaseClaim = (): void => {};
  let inner: ReturnType<typeof spawn> | null = null;
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted = sig;
    // The session tears itself down on SIGTERM; the finally below sweeps whatever is left.
    inner?.kill('SIGTERM');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  // What was detected and what ran: the report's first lines (completed once the plan is read).
  const runtime: RuntimeReport = {
    language,
    toolchain: toolchain.version,
    chosen_by: '',
    install: '',
    start: '',
  };
  const finish = (r: SessionResult): GradeResult => {
    // Everything below the reports may quote the candidate: it is made plain text here, once.
    const done = plainDeep({
      ...r,
      runtime,
      phases: [...timer.phases, ...r.phases],
      execution_time: Math.round((Date.now() - started) / 100) / 10,
      harness: harnessInfo(),
      provenance: provenanceOf(graderDir, submission),
    });
    return { output: summaryText(done), ...done };
  };
  const errorResult = (reason: string, outputTail = ''): GradeResult =>
    finish({
      ...scoreRun(def.rubric, new Map(), { notRun: `Not run: ${reason}`, only }),
      status: 'error',
      reason,
      challenge: def.slug,
      sandbox: report,
      services: {},
      seed,
      phases: [],
      candidate: { verdicts: [], outputTail },
    });

  try {
    log.say(
      `grading ${def.slug}: ${opts.submission} (seed ${seed}, sandbox ${plan.mode}, network ${report.network}${only ? `, only ${only.length} item(s)` : ''})`,
    );
    // Gradings that share a machine (a test suite running packages side by side) name one lock.
    // The claim is taken before the install: compiling a Go submission's modules took both cores
    // for a minute, and beside it a reference measured "alone" lost its performance points.
    if (loadLock) {
      await acquireShared(loadLock, runId);
      releaseClaim = () => releaseShared(loadLock, runId);
    }
    let prepared: Prepared;
    try {
      prepared = await prepareWorkDir(submission, workDir, {
        language,
        ...(opts.language ? { flag: opts.language } : {}),
        toolchain,
        timeouts,
        timer,
        log,
      });
      cleanupInstall = prepared.cleanup;
      const p = prepared.plan;
      Object.assign(runtime, {
        chosen_by: p.chosenBy,
        install: prepared.install,
        ...(p.build ? { build: `${p.build} (${p.sources.build})` } : {}),
        start: `${p.start} (${p.sources.start})`,
      });
      log.say(`  ${language} (${p.chosenBy}): build ${p.build ?? 'none'} · start ${p.start}`);
    } catch (e) {
      if (e instanceof SubmissionError) return errorResult(e.message, e.outputTail);
      throw e;
    }
    if (interrupted) throw new InterruptedError(interrupted);
    if (plan.runAs) spawnSync('chown', ['-R', '-h', `${plan.runAs.uid}:${plan.runAs.gid}`, workDir]);
    chmodSync(workDir, 0o700);
    // After the chown: the warm cache's files stay the harness's, read-only to the candidate.
    if (language === 'go') {
      const depsCache = prepared.deps ? join(prepared.deps.src, 'go-build') : null;
      await warmGoCache(toolchain, join(workDir, '.cache', 'go-build'), plan.runAs, depsCache);
    }
    const visibleDeps = prepared.deps ? (plan.mode === 'none' ? prepared.deps.src : prepared.deps.dest) : '';
    if (language === 'rust') writeRustHome(workDir, visibleDeps, plan.runAs);
    if (language === 'java' && prepared.deps)
      warmMavenRepo(join(prepared.deps.src, 'm2'), mavenRepo(workDir), plan.runAs);
    const overrides = { ...prepared.plan.timeouts, ...opts.timeoutOverrides };
    // The grader's calibration servers, in the submission's language where it wrote one (fetched
    // and built here, with the network; the session has none).
    const declared = def.baselines ?? {};
    const inLanguage = Object.values(declared).some((d) => baselineSource(d, language).language !== 'node');
    const { commands: baselines, cleanup: cleanupBaselines } = inLanguage
      ? await timer.run('baselines', () => prepareBaselines(declared, language))
      : await prepareBaselines(declared, language);
    const cleanupDeps = cleanupInstall;
    cleanupInstall = () => {
      cleanupDeps();
      cleanupBaselines();
    };
    if (Object.keys(baselines).length)
      runtime.baselines = Object.entries(baselines)
        .map(([name, b]) => `${name} in ${b.language}`)
        .join(', ');

    const req: SessionRequest = {
      graderDir,
      workDir,
      scripts: { build: prepared.plan.build, start: prepared.plan.start },
      runDir,
      resultFile: join(runDir, 'session-result.json'),
      seed,
      servicesMode,
      sandbox: plan,
      sandboxReport: report,
      deps: prepared.deps,
      // The manifest's env under the language's: a submission cannot unset what its runtime needs.
      runEnv: {
        ...(language === 'node' ? {} : { PATH: SYSTEM_PATH }),
        ...prepared.plan.env,
        ...prepared.langEnv(visibleDeps),
      },
      markerEnv,
      live,
      only,
      // Stretched on whichever start limit holds: the submission's manifest may state its own.
      timeoutOverrides: opts.startSlowdown
        ? { ...overrides, healthy: (overrides.healthy ?? timeouts.healthy) * opts.startSlowdown }
        : overrides,
      firewall,
      ...(plan.mode === 'docker' ? { runnerImage: runnerImage(language)! } : {}),
      ...(loadLock ? { loadLock } : {}),
      ...(opts.small ? { small: true } : {}),
      baselines,
    };
    const { outcome, code, errTail } = await runSessionProcess(
      req,
      isolatedNet,
      timeouts.total,
      live,
      (c) => {
        inner = c;
      },
    );
    if (interrupted) throw new InterruptedError(interrupted);
    switch (outcome?.outcome) {
      case 'result':
        return finish(outcome.result);
      case 'infra':
        throw new InfraError(outcome.message);
      case 'crash':
        throw new Error(`the grading session failed: ${outcome.message}`);
      default:
        throw new Error(`the grading session ended without a result (exit ${code}): ${errTail}`);
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    // Last line of defence: anything still carrying this run's marker is killed.
    sweepMarker(runId);
    if (servicesMode === 'docker' || plan.mode === 'docker') reapContainers(runId);
    cleanupInstall();
    releaseClaim();
    rmSync(runDir, { recursive: true, force: true });
  }
}
