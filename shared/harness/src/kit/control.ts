import { CONTROL_TOKEN_HEADER } from '../control.ts';
import type { FaultMode } from '../proxy.ts';
import type { StubCall, StubRule, StubScript } from '../stub.ts';
import { grading } from './rubric-test.ts';
import { instanceState } from './state.ts';

/** One request to the session's control server; its errors are the harness's, so they throw. */
export async function controlCall<T>(method: 'GET' | 'POST', path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(`${grading().controlUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', [CONTROL_TOKEN_HEADER]: grading().controlToken },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(`harness control ${path}: ${json.error}`);
  return json;
}

/** A grader-owned stub of a downstream service, as a test drives it. */
export interface StubHandle {
  /** The URL the candidate was given. */
  url: string;
  /** Replace the script (rules tried in order; `fallback` when none matches). */
  script(script: StubScript): Promise<void>;
  /** Rules after the current ones, the rest kept: for tests that run at once, each scoped by `body`. */
  add(rules: StubRule[]): Promise<void>;
  /** Every call received since the last reset, in order. */
  calls(): Promise<StubCall[]>;
  /** Default script, no recorded calls, hung requests cut. */
  reset(): Promise<void>;
  /** What the stub's model reports of its state (null without a model). */
  state<T = unknown>(): Promise<T>;
}

/** Instance states as the session sees them. */
export interface InstanceStatus {
  id: string;
  url: string;
  alive: boolean;
  hung: boolean;
}

/** Drive the session from a hidden test: restart instances, cut services, script stubs, start baselines. */
export const control = {
  /** Stop instance `id` (SIGTERM with grace, or SIGKILL) and start it again on the same port. */
  restart: async (id: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const r = await controlCall<{ url: string }>('POST', `/instances/${id}/restart`, { signal });
    // A new process: its requests are sent again until it proves hung itself.
    instanceState.hung.delete(id);
    instanceState.silent.delete(id);
    return r;
  },
  /** Stop instance `id` and leave it down (a dead node): its work must be taken over by the others. */
  stop: async (id: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGKILL') => {
    await controlCall<{ ok: true }>('POST', `/instances/${id}/stop`, { signal });
  },
  /**
   * Instances whose last answers were all server errors, with the last GET among them (or null):
   * checked before the next file, and restarted if they still answer nothing else.
   */
  noteErroring: async (instances: Record<string, string | null>) => {
    await controlCall<{ ok: true }>('POST', '/erroring', { instances });
  },
  /** Start a stopped instance again on its port. */
  start: async (id: string) => {
    const r = await controlCall<{ url: string }>('POST', `/instances/${id}/start`);
    instanceState.hung.delete(id);
    instanceState.silent.delete(id);
    return r;
  },
  /** Put the fault proxy of a declared service (`postgres`, `redis`, …) in `mode`. */
  fault: (service: string, mode: FaultMode) => controlCall<{ ok: true }>('POST', `/faults/${service}`, mode),
  /** What the fault proxy of a service has seen: its mode and the bytes clients sent through it. */
  traffic: (service: string) =>
    controlCall<{ mode: FaultMode; bytesToService: number }>('GET', `/faults/${service}`),
  /** A stub declared in grader.config.ts. */
  stub: (name: string): StubHandle => {
    const url = grading().stubs[name];
    if (!url) throw new Error(`no stub named "${name}" in this grader`);
    return {
      url,
      script: async (script) => {
        await controlCall('POST', `/stubs/${name}/script`, script);
      },
      add: async (rules) => {
        await controlCall('POST', `/stubs/${name}/add`, { rules });
      },
      calls: () => controlCall<StubCall[]>('GET', `/stubs/${name}/calls`),
      state: async <T>() => (await controlCall<{ state: T }>('GET', `/stubs/${name}/state`)).state,
      reset: async () => {
        await controlCall('POST', `/stubs/${name}/reset`);
      },
    };
  },
  /** URL of a calibration server declared in grader.config.ts, started on first use. */
  baseline: async (name: string) => (await controlCall<{ url: string }>('POST', `/baselines/${name}`)).url,
  /** Faults lifted, stubs reset, dead instances restarted, reconnection awaited (done before every file). */
  reset: () => controlCall<{ revived: string[]; instances: InstanceStatus[] }>('POST', '/reset'),
  instances: () => controlCall<InstanceStatus[]>('GET', '/instances'),
};
