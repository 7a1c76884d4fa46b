/** A running backing service, as the harness connects to it (direct, not through a fault proxy). */
export interface ServiceEndpoint {
  host: string;
  port: number;
  /** Connection URL of the run's own, unprivileged account (what the candidate gets, through the proxy). */
  url: string;
  /** An administrator's URL, for the harness and a grader's `prepare` only: never given to the candidate. */
  adminUrl?: string;
  /** Human description for reports: "local postgres 15.19 (…)", "redis from REDIS_URL (flushed)". */
  description: string;
}

/** A service one run owns: its endpoint and how to give it back. */
export interface RunningService extends ServiceEndpoint {
  stop(): Promise<void>;
}

/** The services of one grading run, by name, and how to tear them all down. */
export interface ProvisionedServices {
  kind: 'local' | 'env' | 'docker';
  services: Partial<Record<string, RunningService>>;
  stop(): Promise<void>;
}

/** Where a provider may put files and how it tags processes for the final sweep. */
export interface ProvisionContext {
  runDir: string;
  /** `KEY=value` put into the env of every process the run starts, so leftovers can be found. */
  markerEnv: Record<string, string>;
  /** Postgres settings the grader needs (`GraderDefinition.serverSettings`). */
  postgresSettings?: Record<string, string>;
}
