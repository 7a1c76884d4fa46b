import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControlServer } from './control.ts';
import { SubmissionError } from './errors.ts';
import { limitsOf, loadGrader, timeoutsOf } from './graders.ts';
import { readPackageJson } from './install.ts';
import { type CandidateRuntime, InstanceManager, runScript } from './instances.ts';
import { type ProvisionedServices, provision } from './provision/index.ts';
import { FaultProxy } from './proxy.ts';
import { scoreRun } from './report/score.ts';
import { progressPrinter } from './report/terminal.ts';
import { runSuite } from './runner/vitest.ts';
import type { SandboxPlan } from './supervisor/sandbox.ts';
import type { GradeResult, GradingContext, PhaseTiming, SandboxReport, Timeouts } from './types.ts';

/** What the outer process hands the session (as a JSON file). */
export interface SessionRequest {
  graderDir: string;
  workDir: string;
  runDir: string;
  resultFile: string;
  seed: number;
  servicesMode: 'env' | 'local' | 'docker';
  sandbox: SandboxPlan;
  sandboxReport: SandboxReport;
  nodeModules: string | null;
  markerEnv: Record<string, string>;
  live: boolean;
  /** Test-only overrides of the grader's timeouts (hostile fixtures use short ones). */
  timeoutOverrides?: Partial<Timeouts>;
}

/** Partial result the session writes; the outer process completes it (phases before, outputs). */
export type SessionResult = Omit<GradeResult, 'execution_time' | 'harness'>;

/**
 * One grading session: provision services, build, start instances, run the hidden suite, tear
 * down. Runs inside the private network namespace when there is one, so nothing here may need
 * the network beyond loopback.
 */
export async function runSession(
  req: SessionRequest,
  registerCleanup: (fn: () => Promise<void>) => void,
): Promise<SessionResult> {
  const def = await loadGrader(req.graderDir);
  const timeouts = { ...timeoutsOf(def), ...req.timeoutOverrides };
  const limits = limitsOf(def);
  const phases: PhaseTiming[] = [];
  const timed = async <T>(name: PhaseTiming['name'], fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      phases.push({ name, ms: Date.now() - t0 });
    }
  };
  const cleanups: (() => Promise<void>)[] = [];
  let tearingDown: Promise<void> | null = null;
  // One teardown, however many callers (normal end, signal, parent death) ask for it.
  const teardown = (): Promise<void> =>
    (tearingDown ??= (async () => {
      for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
    })());
  registerCleanup(teardown);

  const base = {
    challenge: def.slug,
    sandbox: req.sandboxReport,
    services: {} as Record<string, string>,
    seed: req.seed,
    phases,
  };
  const log = (s: string): void => {
    if (req.live) process.stderr.write(`${s}\n`);
  };
  let instances: InstanceManager | undefined;
  let buildTail = '';
  try {
    const services: ProvisionedServices = await timed('provision', async () =>
      provision(req.servicesMode, def.services, { runDir: req.runDir, markerEnv: req.markerEnv }),
    );
    cleanups.push(() => services.stop());
    if (services.postgres) base.services.postgres = services.postgres.description;
    if (services.redis) base.services.redis = services.redis.description;

    // Every dependency sits behind a fault proxy so tests can cut it; the candidate only knows the proxy.
    const proxies: Record<string, FaultProxy> = {};
    const candidateEnv: Record<string, string> = { ...req.markerEnv, ...def.env?.({ seed: req.seed }) };
    if (services.postgres) {
      const p = new FaultProxy(services.postgres.host, services.postgres.port);
      await p.listen();
      proxies.postgres = p;
      candidateEnv.DATABASE_URL = `postgres://${services.postgres.user}@127.0.0.1:${p.port}/${services.postgres.database}`;
      cleanups.push(() => p.close());
    }
    if (services.redis) {
      const p = new FaultProxy(services.redis.host, services.redis.port);
      await p.listen();
      proxies.redis = p;
      const u = new URL(services.redis.url);
      candidateEnv.REDIS_URL = `redis://127.0.0.1:${p.port}${u.pathname === '/' ? '' : u.pathname}`;
      cleanups.push(() => p.close());
    }

    const rt: CandidateRuntime = {
      workDir: req.workDir,
      sandbox: req.sandbox,
      limits,
      nodeModules: req.nodeModules,
      baseEnv: candidateEnv,
    };
    if (req.nodeModules) {
      const mountPoint = join(req.workDir, 'node_modules');
      if (!existsSync(mountPoint)) mkdirSync(mountPoint);
    }
    const pkg = readPackageJson(req.workDir);
    if (pkg.scripts?.build) {
      log(`  building (${pkg.scripts.build})`);
      const built = await timed('build', () =>
        runScript(rt, { name: 'build', command: pkg.scripts!.build!, timeoutMs: timeouts.build }),
      );
      buildTail = built.output.tail(10);
    }
    if (!pkg.scripts?.start) {
      throw new SubmissionError(
        'start',
        'package.json has no "start" script: the harness runs `start` to launch the service.',
      );
    }
    instances = new InstanceManager(rt, {
      startCommand: pkg.scripts.start,
      healthTimeoutMs: timeouts.healthy,
      graceMs: timeouts.shutdownGrace,
    });
    const manager = instances;
    cleanups.push(() => manager.stopAll());
    const ids = Array.from({ length: def.instances }, (_, i) => String.fromCharCode(97 + i));
    log(`  starting ${ids.length} instance(s) at once`);
    await timed('start', async () => {
      const started = await Promise.allSettled(ids.map((id) => manager.start(id)));
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    });

    const control = new ControlServer({
      instances: manager,
      proxies,
      baselineScripts: def.baselines ?? {},
      baselineEnv: { ...process.env, ...candidateEnv } as Record<string, string>,
    });
    await control.listen();
    cleanups.push(() => control.close());

    const context: GradingContext = {
      seed: req.seed,
      controlUrl: control.url,
      instances: manager.list().map(({ id, url }) => ({ id, url })),
      env: candidateEnv,
    };
    const suiteStart = Date.now();
    const suite = await runSuite({
      graderDir: req.graderDir,
      include: def.testInclude ?? ['test/**/*.test.ts'],
      rubric: def.rubric,
      context,
      testTimeoutMs: timeouts.tests,
      onProgress: req.live ? progressPrinter(def.rubric) : undefined,
    });
    const perfMs = suite.byCategory.get('performance') ?? 0;
    phases.push({ name: 'tests', ms: Date.now() - suiteStart - perfMs }, { name: 'performance', ms: perfMs });
    if (suite.strays.length || suite.errors.length) {
      // A grader bug must be loud, never silently cost the candidate points.
      throw new Error(
        `grader ${def.slug} is broken: ${[...suite.strays.map((s) => `test without rubric item: ${s}`), ...suite.errors].join('; ')}`,
      );
    }
    const deaths = manager.verdicts.filter((v) => v.includes('died'));
    await timed('teardown', teardown);
    return {
      ...base,
      ...scoreRun(def.rubric, suite.outcomes, deaths.length ? `Not run: ${deaths[0]}` : 'Not run.'),
      status: 'graded',
      candidate: { verdicts: [...manager.verdicts], outputTail: manager.output.tail(30) },
    };
  } catch (e) {
    await timed('teardown', teardown);
    if (!(e instanceof SubmissionError)) throw e;
    return {
      ...base,
      ...scoreRun(def.rubric, new Map(), `Not run: ${e.message}`),
      status: 'error',
      reason: e.message,
      candidate: {
        verdicts: instances?.verdicts ?? [],
        outputTail: e.outputTail || instances?.output.tail(30) || buildTail,
      },
    };
  }
}

export function writeSessionResult(file: string, r: SessionResult): void {
  writeFileSync(file, JSON.stringify(r));
}
