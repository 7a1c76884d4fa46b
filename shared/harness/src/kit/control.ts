import type { FaultMode } from '../proxy.ts';
import { grading } from './rubric-test.ts';

async function call<T>(path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(`${grading().controlUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(`harness control ${path}: ${json.error}`);
  return json;
}

/** Drive the session from a hidden test: restart instances, cut dependencies, start baselines. */
export const control = {
  /** Stop instance `id` (SIGTERM with grace, or SIGKILL) and start it again on the same port. */
  restart: (id: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') =>
    call<{ url: string }>(`/instances/${id}/restart`, { signal }),
  fault: (service: 'postgres' | 'redis', mode: FaultMode) => call<{ ok: true }>(`/faults/${service}`, mode),
  /** URL of a calibration server declared in grader.config.ts, started on first use. */
  baseline: async (name: string) => (await call<{ url: string }>(`/baselines/${name}`)).url,
};
