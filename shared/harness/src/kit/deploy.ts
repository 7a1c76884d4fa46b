import type { OneOffRun } from '../instances.ts';
import { controlCall } from './control.ts';
import { instanceState } from './state.ts';

export type { OneOffRun } from '../instances.ts';

/**
 * Replace instance `id` by a process started with `env` on top of its own (one step of a rolling
 * deploy: `{ APP_VERSION: '2' }`): SIGTERM with the grace, then start, then healthy. Its later
 * restarts keep `env` until the next deploy replaces it.
 */
export async function deploy(
  id: string,
  env: Record<string, string>,
  signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
): Promise<{ url: string }> {
  const r = await controlCall<{ url: string }>('POST', `/instances/${id}/restart`, { signal, env });
  // A new process: its requests are sent again until it proves hung itself.
  instanceState.hung.delete(id);
  instanceState.silent.delete(id);
  return r;
}

/**
 * Run the submission once as a job (its start command, sandboxed, with instance a's env and `env`
 * on top, no PORT): a migration step, say. Resolves when it exits, with its code and output;
 * `killAfterMs` interrupts it on purpose (SIGKILL), as a crash in mid-run would.
 */
export function runOnce(opts: {
  label: string;
  env: Record<string, string>;
  timeoutMs?: number;
  killAfterMs?: number;
}): Promise<OneOffRun> {
  return controlCall<OneOffRun>('POST', '/runs', opts);
}
