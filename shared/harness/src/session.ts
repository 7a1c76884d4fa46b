import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { BaselineCommand } from './baselines.ts';
import { ControlServer } from './control.ts';
import { InfraError, SubmissionError } from './errors.ts';
import { limitsOf, loadGrader, timeoutsOf } from './graders.ts';
import { type CandidateRuntime, InstanceManager, runScript } from './instances.ts';
import { type Logger, PhaseTimer, stderrLogger } from './phases.ts';
import { dockerImages } from './provision/docker.ts';
import { type ProvisionedServices, providerOf, provision } from './provision/index.ts';
import { FaultProxy } from './proxy.ts';
import { scoreRun } from './report/score.ts';
import { progressPrinter } from './report/terminal.ts';
import { runSuite } from './runner/vitest.ts';
import { HttpStub, type StubModelFactory } from './stub.ts';
import { createRunNetwork, type RunNetwork, removeRunNetwork } from './supervisor/container.ts';
import { restrictBridge, restrictUid } from './supervisor/firewall.ts';
import type { SandboxPlan } from './supervisor/sandbox.ts';
import type {
  GradeResult,
  GraderDefinition,
  GradingContext,
  PreparedData,
  SandboxReport,
  ServiceName,
  Timeouts,
} from './types.ts';

/** What the outer process hands the session (as a JSON file). */
export interface SessionRequest {
  graderDir: string;
  workDir: string;
  /** The submission's build and start commands, read by the outer process before any of its code ran. */
  scripts: { build?: string; start?: string };
  runDir: string;
  resultFile: string;
  seed: number;
  servicesMode: 'env' | 'local' | 'docker';
  sandbox: SandboxPlan;
  sandboxReport: SandboxReport;
  /** The fetched dependencies, mounted read-only at `dest` in the work dir. */
  deps: { src: string; dest: string } | null;
  /** The language's env (and the manifest's) for build and start, under the grader's. */
  runEnv: Record<string, string>;
  markerEnv: Record<string, string>;
  live: boolean;
  /** Rubric slugs to grade; null for all. */
  only: string[] | null;
  /** Test-only overrides of the grader's timeouts (hostile fixtures use short ones). */
  timeoutOverrides?: Partial<Timeouts>;
  /** Restrict the candidate uid's connections to its proxies and stubs (the session owns its network namespace). */
  firewall: boolean;
  /** A batch's load lock (see load-lock.ts): held shared for the session, exclusively while load is measured. */
  loadLock?: string;
  /** With --sandbox docker: the image that runs the submission's language. */
  runnerImage?: string;
  /** The grader's calibration servers, ready to start (see baselines.ts). */
  baselines: Record<string, BaselineCommand>;
  /** The grader's smaller dataset (`GradeOptions.small`). */
  small?: boolean;
}

/** Partial result the session writes; the outer process completes it (phases before, outputs). */
export type SessionResult = Omit<
  GradeResult,
  'execution_time' | 'harness' | 'output' | 'provenance' | 'runtime'
>;

/**
 * How a session ended, written to its result file: one meaning per case, as data, so the outer
 * process never parses stderr or exit codes.
 */
export type SessionOutcome =
  | { outcome: 'result'; result: SessionResult }
  /** This machine cannot grade (not the submission's fault). */
  | { outcome: 'infra'; message: string }
  /** The harness or the grader broke. */
  | { outcome: 'crash'; message: string };

/** Everything the phases of one session share. */
interface Session {
  req: SessionRequest;
  def: GraderDefinition;
  timeouts: Timeouts;
  timer: PhaseTimer;
  log: Logger;
  /** Teardown steps, run in reverse order. */
  cleanups: (() => Promise<void>)[];
  services: Record<string, string>;
}

/** Phase 1: the grader's services, from local binaries or env URLs. */
async function provisionServices(s: Session): Promise<ProvisionedServices> {
  const provisioned = await s.timer.run('provision', () =>
    provision(s.req.servicesMode, s.def.services, {
      runDir: s.req.runDir,
      markerEnv: s.req.markerEnv,
      postgresSettings: s.def.serverSettings?.postgres,
    }),
  );
  s.cleanups.push(() => provisioned.stop());
  for (const [name, svc] of Object.entries(provisioned.services)) if (svc) s.services[name] = svc.description;
  return provisioned;
}

/** The administrators' URLs of the run's services (the harness's and the grader's only). */
function adminUrls(s: Session, provisioned: ProvisionedServices): Partial<Record<ServiceName, string>> {
  const admin: Partial<Record<ServiceName, string>> = {};
  for (const name of s.def.services) {
    const url = provisioned.services[name]?.adminUrl;
    if (url) admin[name] = url;
  }
  return admin;
}

/**
 * Phase 1b: the grader's own data, in the services, before any candidate code runs. Returns what
 * it hands on to the baselines.
 */
async function prepareData(s: Session, provisioned: ProvisionedServices): Promise<PreparedData> {
  const prepare = s.def.prepare;
  if (!prepare) return {};
  return (
    (await s.timer.run('seed', () =>
      prepare({ seed: s.req.seed, small: s.req.small === true, ...graderUrls(s, provisioned) }),
    )) ?? {}
  );
}

/** The services' URLs a grader hook gets: the run's own account's, direct, and the administrators'. */
function graderUrls(
  s: Session,
  provisioned: ProvisionedServices,
): { services: Partial<Record<ServiceName, string>>; admin: Partial<Record<ServiceName, string>> } {
  const services: Partial<Record<ServiceName, string>> = {};
  for (const name of s.def.services) {
    const svc = provisioned.services[name];
    if (svc) services[name] = providerOf(name).candidateUrl(svc, svc.port, svc.host);
  }
  return { services, admin: adminUrls(s, provisioned) };
}

/**
 * Phase 2: every service behind a fault proxy (tests cut it through the proxy; the candidate only
 * knows the proxy), and the grader's HTTP stubs. With --sandbox docker, first the run's internal
 * network: proxies and stubs listen on its gateway, the only address its containers reach.
 * Returns the candidate's environment.
 */
async function wireDependencies(
  s: Session,
  provisioned: ProvisionedServices,
): Promise<{
  env: Record<string, string>;
  proxies: Record<string, FaultProxy>;
  stubs: Record<string, HttpStub>;
  network: RunNetwork | null;
}> {
  return s.timer.run('proxies', async () => {
    let network: RunNetwork | null = null;
    if (s.req.sandbox.mode === 'docker') {
      const created = await createRunNetwork(s.req.markerEnv.BC_GRADE_RUN!);
      s.cleanups.push(() => removeRunNetwork(created.name));
      network = created;
    }
    const host = network?.gateway ?? '127.0.0.1';
    const env: Record<string, string> = { ...s.req.markerEnv, ...s.def.env?.({ seed: s.req.seed }) };
    const proxies: Record<string, FaultProxy> = {};
    for (const name of s.def.services) {
      const svc = provisioned.services[name];
      if (!svc) continue;
      const proxy = new FaultProxy(svc.host, svc.port);
      await proxy.listen(0, host);
      s.cleanups.push(() => proxy.close());
      proxies[name] = proxy;
      const provider = providerOf(name);
      env[provider.envVar] = provider.candidateUrl(svc, proxy.port, host);
    }
    const stubs: Record<string, HttpStub> = {};
    for (const [name, spec] of Object.entries(s.def.stubs ?? {})) {
      const model = spec.model
        ? ((await import(pathToFileURL(spec.model).href)) as { default: StubModelFactory }).default({
            seed: s.req.seed,
          })
        : undefined;
      const stub = new HttpStub(name, model);
      env[spec.env] = await stub.listen(host);
      s.cleanups.push(() => stub.close());
      stubs[name] = stub;
    }
    // The candidate reaches what its env names and nothing else (firewall.ts).
    const ports = [
      ...Object.values(proxies).map((p) => p.port),
      ...Object.values(stubs).map((st) => Number(new URL(st.url).port)),
    ];
    if (network) {
      const undo = restrictBridge(network.bridge, network.gateway, ports);
      s.cleanups.push(async () => undo());
    } else if (s.req.firewall && s.req.sandbox.runAs) {
      const undo = restrictUid(s.req.sandbox.runAs.uid, ports);
      s.cleanups.push(async () => undo());
    }
    return { env, proxies, stubs, network };
  });
}

/** Phase 3: the submission's build script, if it has one. Returns the build's last lines. */
async function build(s: Session, rt: CandidateRuntime): Promise<string> {
  if (rt.deps) {
    if (!existsSync(rt.deps.dest)) mkdirSync(rt.deps.dest);
  }
  const command = s.req.scripts.build;
  if (!command) return '';
  s.log.say(`  building (${command})`);
  const built = await s.timer.run('build', () =>
    runScript(rt, { name: 'build', command, timeoutMs: s.timeouts.build }),
  );
  return built.output.tail(10);
}

/** Instance ids are letters: 0 → "a". */
const instanceId = (index: number): string => String.fromCharCode(97 + index);

/** What the grader's `instanceEnv` gives instance `id` (nothing without one). */
function instanceEnvOf(s: Session, id: string): Record<string, string> {
  return s.def.instanceEnv?.({ id, index: id.charCodeAt(0) - 97, seed: s.req.seed }) ?? {};
}

/**
 * Phase 4 with the grader's `whileStarting` hook around it: the instances start while the hook's
 * work runs, which stops once they are all healthy or one has failed. Returns what it found.
 */
async function startWatched(
  s: Session,
  rt: CandidateRuntime,
  provisioned: ProvisionedServices,
): Promise<{ manager: InstanceManager; whileStarting?: unknown }> {
  const hook = s.def.whileStarting;
  if (!hook) return { manager: await startInstances(s, rt) };
  const watch = await hook({ seed: s.req.seed, ...graderUrls(s, provisioned) });
  let stopped: Promise<unknown> | undefined;
  const stop = (): Promise<unknown> => (stopped ??= watch.stop());
  // A start that throws still stops the hook's work (teardown would otherwise find it running).
  s.cleanups.push(async () => {
    await stop();
  });
  let manager: InstanceManager;
  try {
    manager = await startInstances(s, rt);
  } finally {
    await stop().catch(() => undefined);
  }
  return { manager, whileStarting: await stop() };
}

/** Phase 4: every instance at once (start-up must be concurrency-safe), each until healthy. */
async function startInstances(s: Session, rt: CandidateRuntime): Promise<InstanceManager> {
  const startCommand = s.req.scripts.start;
  if (!startCommand) {
    throw new SubmissionError(
      'start',
      'nothing says how to start the service: the harness runs its start command to launch it.',
    );
  }
  const manager = new InstanceManager(rt, {
    startCommand,
    healthTimeoutMs: s.timeouts.healthy,
    graceMs: s.timeouts.shutdownGrace,
    envFor: (id) => instanceEnvOf(s, id),
    ...(s.def.probe ? { probe: s.def.probe } : {}),
  });
  s.cleanups.push(() => manager.stopAll());
  const ids = Array.from({ length: s.def.instances }, (_, i) => instanceId(i));
  s.log.say(`  starting ${ids.length} instance(s) at once`);
  await s.timer.run('start', async () => {
    const started = await Promise.allSettled(ids.map((id) => manager.start(id)));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });
  return manager;
}

/** Phase 5: the hidden suite, driving the session through the control server. */
async function runHiddenSuite(
  s: Session,
  manager: InstanceManager,
  wired: Awaited<ReturnType<typeof wireDependencies>>,
  grader: {
    admin: Partial<Record<ServiceName, string>>;
    baselineEnv: Record<string, string>;
    whileStarting?: unknown;
  },
) {
  const control = new ControlServer({
    instances: manager,
    proxies: wired.proxies,
    stubs: wired.stubs,
    baselines: s.req.baselines,
    baselineEnv: { ...process.env, ...wired.env, ...grader.baselineEnv } as Record<string, string>,
  });
  await control.listen();
  s.cleanups.push(() => control.close());
  const context: GradingContext = {
    seed: s.req.seed,
    controlUrl: control.url,
    controlToken: control.token,
    instances: manager.list().map(({ id, url }) => ({ id, url, env: instanceEnvOf(s, id) })),
    env: wired.env,
    only: s.req.only,
    ...(s.req.small ? { small: true } : {}),
    shownHeaders: (s.def.shownHeaders ?? []).map((h) => h.toLowerCase()),
    admin: grader.admin,
    stubs: Object.fromEntries(Object.entries(wired.stubs).map(([n, st]) => [n, st.url])),
    ...(wired.network ? { clientBridge: wired.network.bridge } : {}),
    ...(grader.whileStarting !== undefined ? { whileStarting: grader.whileStarting } : {}),
  };
  const suiteStart = Date.now();
  const suite = await runSuite({
    graderDir: s.req.graderDir,
    include: s.def.testInclude ?? ['test/**/*.test.ts'],
    rubric: s.def.rubric,
    context,
    testTimeoutMs: s.timeouts.tests,
    // Beside other gradings, a measurement's set-up first waits for them to finish or park (in
    // pnpm validate, a saga performance hook waited past its 120 s and the grading was called
    // broken); the grading's total timeout still bounds it.
    ...(s.req.loadLock ? { hookWaitMs: LOAD_LOCK_WAIT_MS } : {}),
    onProgress: s.req.live ? progressPrinter(s.def.rubric) : undefined,
  });
  const perfMs = suite.byCategory.get('performance') ?? 0;
  s.timer.record('tests', Date.now() - suiteStart - perfMs);
  s.timer.record('performance', perfMs);
  if (suite.strays.length || suite.errors.length) {
    // A grader bug must be loud, never silently cost the candidate points.
    throw new Error(
      `grader ${s.def.slug} is broken: ${[...suite.strays.map((x) => `test without rubric item: ${x}`), ...suite.errors].join('; ')}`,
    );
  }
  return suite;
}

/** How long a load file's set-up may wait for the machine alone, on top of the tests' timeout. */
const LOAD_LOCK_WAIT_MS = 600_000;

/**
 * In a batch, let this session's load measurements find the lock (its test workers inherit the
 * environment); the claim beside the other gradings is the outer process's (see grade.ts).
 */
async function joinBatch(s: Session): Promise<void> {
  const dir = s.req.loadLock;
  if (!dir) return;
  const owner = s.req.markerEnv.BC_GRADE_RUN!;
  // The outer process took the claim before the install and gives it up after the session: taken
  // again here, it would wait for a writer that waits for this very claim.
  process.env.BC_LOAD_LOCK = dir;
  process.env.BC_LOAD_OWNER = owner;
}

/**
 * One grading session: provision → wire proxies and stubs → build → start → run the hidden suite →
 * score, then tear down. Runs inside the private network namespace when there is one, so nothing
 * here may need the network beyond loopback.
 */
export async function runSession(
  req: SessionRequest,
  registerCleanup: (fn: () => Promise<void>) => void,
): Promise<SessionResult> {
  const def = await loadGrader(req.graderDir);
  const s: Session = {
    req,
    def,
    timeouts: { ...timeoutsOf(def), ...req.timeoutOverrides },
    // Quiet, each phase's end still goes to stderr, whose tail the outer process quotes when the
    // grading overruns its total: "exceeded 60 s" alone did not say where the time went.
    timer: new PhaseTimer(
      req.live ? undefined : (p) => process.stderr.write(`[session] ${p.name}: ${p.ms} ms\n`),
    ),
    log: stderrLogger(req.live),
    cleanups: [],
    services: {},
  };
  let tearingDown: Promise<void> | null = null;
  // One teardown, however many callers (normal end, signal, parent death) ask for it.
  const teardown = (): Promise<void> =>
    (tearingDown ??= s.timer.run('teardown', async () => {
      for (const fn of s.cleanups.splice(0).reverse()) await fn().catch(() => {});
    }));
  registerCleanup(teardown);

  const base = () => ({
    challenge: def.slug,
    sandbox: req.sandboxReport,
    services: s.services,
    seed: req.seed,
    phases: s.timer.phases,
  });
  let instances: InstanceManager | undefined;
  let buildTail = '';
  try {
    await joinBatch(s);
    const provisioned = await provisionServices(s);
    const prepared = await prepareData(s, provisioned);
    const wired = await wireDependencies(s, provisioned);
    const rt: CandidateRuntime = {
      workDir: req.workDir,
      sandbox: req.sandbox,
      limits: limitsOf(def),
      deps: req.deps,
      runEnv: req.runEnv,
      baseEnv: wired.env,
      ...(wired.network
        ? {
            docker: {
              image: req.runnerImage ?? dockerImages().BC_RUNNER_IMAGE!,
              runId: req.markerEnv.BC_GRADE_RUN!,
              network: wired.network,
            },
          }
        : {}),
    };
    buildTail = await build(s, rt);
    const started = await startWatched(s, rt, provisioned);
    instances = started.manager;
    const suite = await runHiddenSuite(s, instances, wired, {
      admin: adminUrls(s, provisioned),
      baselineEnv: prepared.baselineEnv ?? {},
      whileStarting: started.whileStarting,
    });
    // Teardown first: stopping the instances can add a verdict (no graceful exit on SIGTERM).
    await teardown();
    const deaths = instances.verdicts.filter((v) => v.includes('died'));
    const verdicts = [...instances.verdicts];
    const outputTail = instances.output.tail(30);
    return {
      ...base(),
      ...scoreRun(def.rubric, suite.outcomes, {
        notRun: deaths.length ? `Not run: ${deaths[0]}` : 'Not run.',
        only: req.only,
      }),
      status: 'graded',
      candidate: { verdicts, outputTail },
    };
  } catch (e) {
    await teardown();
    if (!(e instanceof SubmissionError)) throw e;
    return {
      ...base(),
      ...scoreRun(def.rubric, new Map(), { notRun: `Not run: ${e.message}`, only: req.only }),
      status: 'error',
      reason: e.message,
      candidate: {
        verdicts: instances?.verdicts ?? [],
        outputTail: e.outputTail || instances?.output.tail(30) || buildTail,
      },
    };
  }
}

/** The result file's content for an error the session caught. */
export function outcomeOfError(e: unknown): SessionOutcome {
  const message = (e as Error)?.message ?? String(e);
  return e instanceof InfraError ? { outcome: 'infra', message } : { outcome: 'crash', message };
}

export function writeSessionOutcome(file: string, o: SessionOutcome): void {
  writeFileSync(file, JSON.stringify(o), { mode: 0o600 });
}
