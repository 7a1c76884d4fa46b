import type { Provenance } from './provenance.ts';

/** Rubric categories, in the order reports list them. */
/** The operational rule every challenge README states: a request unanswered within 5 s fails. */
export const REQUEST_TIMEOUT_MS = 5_000;

export const CATEGORIES = [
  'correctness',
  'robustness',
  'security',
  'concurrency',
  'resilience',
  'performance',
] as const;

/** A rubric category: what kind of backend skill a test measures. */
export type Category = (typeof CATEGORIES)[number];

/** Whether the candidate sees a test's name and output before the deadline (Gradescope semantics). */
export type Visibility = 'visible' | 'hidden';

/** One rubric item: exactly one test in the grader carries its slug. */
export interface RubricItem {
  slug: string;
  title: string;
  points: number;
  category: Category;
  visibility: Visibility;
  /** Shown to the candidate when the item fails: a nudge, never the answer. */
  hint: string;
  /** The README rules this item grades (ids like "R3" that the challenge README defines). */
  rules?: readonly string[];
}

/** Backing services a challenge needs. */
export type ServiceName = 'postgres' | 'redis';

/** Wall-clock limits per grading phase, in milliseconds. */
export interface Timeouts {
  install: number;
  build: number;
  healthy: number;
  tests: number;
  /** Grace between SIGTERM and SIGKILL when stopping the candidate. */
  shutdownGrace: number;
  /** Hard ceiling for a whole grading run; the outer process kills everything past it. */
  total: number;
}

/** Resource limits of one candidate process tree. */
export interface Limits {
  memoryMb: number;
  pids: number;
  outputBytes: number;
}

/**
 * One calibration server in several languages: `node`, a TypeScript entry; `python`, a directory
 * with `main.py` and pinned `requirements.txt`; `go`, a module directory (`go.mod`, `go.sum`).
 */
export type BaselineSources = { node: string } & Partial<Record<'python' | 'go', string>>;

/** Static definition of a challenge's grader, default-exported by `graders/<slug>/grader.config.ts`. */
export interface GraderDefinition {
  slug: string;
  title: string;
  rubric: readonly RubricItem[];
  services: readonly ServiceName[];
  /** Instances started at once against the same services (start-up must be concurrency-safe). */
  instances: number;
  /** Challenge-specific env for the candidate, derived from the run's seed. */
  env?: (ctx: { seed: number }) => Record<string, string>;
  /**
   * Env for one instance on top of `env`, kept across restarts: instances with different
   * settings (one failing open, one failing closed). `index` 0 is instance "a".
   */
  instanceEnv?: (ctx: { id: string; index: number; seed: number }) => Record<string, string>;
  timeouts?: Partial<Timeouts>;
  limits?: Partial<Limits>;
  /**
   * Every README rule that states a number (a timeout, a window, a size, a precision…), by id:
   * the bound, as a boundary mutant must miss it just past; or, for a number no mutant could
   * miss just past it (a ratio scale scored linearly), `{ exempt: why }`. The self-test finds the
   * rules that state a number and fails on one left out, or on a bound no mutant names.
   */
  bounds?: Record<string, string | { exempt: string }>;
  /**
   * A GET path (with its query) that answers below 500 whenever the service and its dependencies
   * work: asked of an instance that ended a test file answering only server errors, which is
   * restarted if it still does.
   */
  probe?: string;
  /**
   * Response headers of this challenge's contract that a failure quotes beside the status (the
   * kit always quotes content-type, location, cache-control, retry-after and allow).
   */
  shownHeaders?: string[];
  /**
   * Calibration servers the grader may start: name → absolute path of a TypeScript entry, or the
   * same server in several languages (a submission is measured against the one in its language).
   */
  baselines?: Record<string, string | BaselineSources>;
  /** Test files, relative to the grader dir. */
  testInclude?: string[];
  /**
   * Grader-owned HTTP stubs of downstream services: name → the env variable that gives the
   * candidate the stub's URL. Started before the instances, scripted through `control.stub(name)`.
   */
  stubs?: Record<
    string,
    {
      env: string;
      /**
       * Absolute path of a module whose default export makes the stub's stateful fake
       * (`StubModelFactory`): it answers what no scripted rule catches.
       */
      model?: string;
    }
  >;
  /**
   * Runs once the services exist and before the submission is built or started: data the
   * candidate finds at start-up (a seeded table). Gets each service's direct URL as the run's own
   * account (so what it makes belongs to the candidate's role), not the proxy, and an
   * administrator's URL for what only an administrator may do.
   */
  prepare?: (ctx: {
    seed: number;
    /**
     * Seed less where size does not matter: set only for the self-test's gradings of a mutant on
     * the items it names (a grader whose README's bounds still separate them on a small table);
     * a user's grading and `pnpm validate` get the full data.
     */
    small: boolean;
    services: Partial<Record<ServiceName, string>>;
    admin: Partial<Record<ServiceName, string>>;
    // biome-ignore lint/suspicious/noConfusingVoidType: most prepare hooks return nothing
  }) => Promise<void | PreparedData>;
  /**
   * Runs while the instances first start, from before the first is launched until every one is
   * healthy or has failed: the grader's own work against the services meanwhile (a writer that
   * finds out whether start-up migrations block writes). Gets what `prepare` gets; `stop` is
   * called once, and what it returns (plain JSON) reaches the tests as `grading().whileStarting`.
   */
  whileStarting?: (ctx: {
    seed: number;
    services: Partial<Record<ServiceName, string>>;
    admin: Partial<Record<ServiceName, string>>;
  }) => Promise<{ stop: () => Promise<unknown> }>;
  /**
   * Server settings the grader relies on, beyond every run's defaults (Postgres `-c name=value`,
   * such as a preloaded `pg_stat_statements`). Servers the harness starts get them; one from
   * `DATABASE_URL` is checked and refused without them.
   */
  serverSettings?: { postgres?: Record<string, string> };
}

/** What `prepare` may hand on: env for the grader's baselines only (never the candidate's). */
export interface PreparedData {
  baselineEnv?: Record<string, string>;
}

/** What a grader test can reach through `inject('grading')`. */
export interface GradingContext {
  seed: number;
  controlUrl: string;
  /** The secret the control server requires of every request. */
  controlToken: string;
  /** Each instance, with the env it got beyond the shared `env` (`instanceEnv`). */
  instances: { id: string; url: string; env: Record<string, string> }[];
  env: Record<string, string>;
  /** Rubric slugs to grade (`--only`); null grades every item. */
  only: string[] | null;
  /** Whether `prepare` seeded the grader's smaller dataset (`GradeOptions.small`). */
  small?: boolean;
  /** Stub name → its URL (the harness side reads calls through `control.stub`). */
  stubs: Record<string, string>;
  /** The grader's `shownHeaders`, lower-cased. */
  shownHeaders?: string[];
  /**
   * Administrators' URLs of the run's services, for reading server statistics and grader-owned
   * data. Never for the candidate's objects: as a superuser, a grader that touched them could run
   * the candidate's triggers or functions outside the sandbox.
   */
  admin?: Partial<Record<ServiceName, string>>;
  /** What the grader's `whileStarting` hook found, when it has one. */
  whileStarting?: unknown;
  /**
   * With --sandbox docker, the bridge interface of the run's network, where the kit's client
   * addresses go (`clientAddress`); absent when instances are reached on loopback.
   */
  clientBridge?: string;
}

/** One graded test in `results.json` (Gradescope-compatible fields plus ours). */
export interface TestResult {
  id: string;
  name: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  tags: Category[];
  visibility: Visibility;
  output: string;
  hint?: string;
  /** Measured numbers (latencies, ratios): kept out of `output` so a seed reproduces it word for word. */
  measured?: string[];
  /** A load test's rounds, the submission beside its baseline (the reviewer's report plots them). */
  rounds?: LoadRound[];
  duration_ms: number;
}

/** One measured load round: the submission and its baseline, back to back in the same run. */
export interface LoadRound {
  candidate: { rps: number; p50: number; p99: number };
  baseline: { rps: number; p50: number; p99: number };
}

/** Score of one category. */
export interface CategoryScore {
  name: Category;
  score: number;
  max_score: number;
}

/** Seniority band awarded from the categories that pass; `unrated` when `--only` left items out. */
export type Band = 'none' | 'junior' | 'mid' | 'senior' | 'unrated';

/** Timing of one grading phase. */
export interface PhaseTiming {
  name:
    | 'prepare'
    | 'install'
    | 'baselines'
    | 'provision'
    | 'seed'
    | 'proxies'
    | 'build'
    | 'start'
    | 'tests'
    | 'performance'
    | 'teardown';
  ms: number;
}

/** How the candidate was contained, as reported to the reader of a result. */
export interface SandboxReport {
  mode: 'bwrap' | 'docker' | 'none';
  network: 'loopback-only' | 'internal container network' | 'host';
  filesystem: 'read-only outside work dir' | 'read-only root, writable work dir and /tmp' | 'unrestricted';
  user: string;
  limits: Limits & { enforcedBy: string[] };
  /**
   * "isolated" when the candidate reaches nothing but its own files and what its env names;
   * otherwise "UNSAFE: …" with what it could reach (graded so only with --unsafe).
   */
  isolation: string;
  note?: string;
}

/** The submission's language, why, its toolchain and the command of each phase, as run. */
export interface RuntimeReport {
  language: string;
  /** `--language`, `.backend-challenge.json`, or the marker files found (`go.mod`). */
  chosen_by: string;
  toolchain: string;
  install: string;
  build?: string;
  start: string;
  /** The calibration servers performance is measured against, and their language ("redirect in go"). */
  baselines?: string;
}

/** Everything one grading run produced; `results.json` is this object. */
export interface GradeResult {
  /** One-paragraph summary (Gradescope shows the top-level `output`); an error's reason. */
  output: string;
  score: number;
  max_score: number;
  execution_time: number;
  tests: TestResult[];
  /** Items left out with `--only`: not graded, not counted in the score or its maximum. */
  skipped: { id: string; name: string }[];
  status: 'graded' | 'error';
  reason?: string;
  challenge: string;
  categories: CategoryScore[];
  band: Band;
  sandbox: SandboxReport;
  services: Record<string, string>;
  seed: number;
  phases: PhaseTiming[];
  /** What the harness observed of the candidate: verdicts and its last output lines. */
  candidate: { verdicts: string[]; outputTail: string };
  /** What was detected and what ran (the report's first lines). */
  runtime: RuntimeReport;
  harness: { version: string; node: string };
  /** The grader's commit and suite hash, and the submission's commit (tamper evidence for PR grading). */
  provenance: Provenance;
}
