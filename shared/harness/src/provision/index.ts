import { InfraError } from '../errors.ts';
import type { ServiceName } from '../types.ts';
import { startDockerService } from './docker.ts';
import { providerOf } from './registry.ts';
import type { ProvisionContext, ProvisionedServices, RunningService } from './types.ts';

export { providerOf, SERVICES, type ServiceProvider } from './registry.ts';
export type { ProvisionedServices, RunningService, ServiceEndpoint } from './types.ts';

/** How services are found: `auto` tries env URLs, then local binaries, then Docker. */
export type ServicesMode = 'auto' | 'env' | 'local' | 'docker';

/** True when every service the run needs has its env URL set and answering. */
export async function envServicesAnswer(needs: readonly ServiceName[]): Promise<boolean> {
  for (const name of needs) {
    const p = providerOf(name);
    const url = process.env[p.envVar];
    if (!url || !(await p.envAnswers(url))) return false;
  }
  return true;
}

/** Which concrete mode `auto` resolves to on this machine (decided before the session starts). */
export async function resolveServicesMode(
  mode: ServicesMode,
  needs: readonly ServiceName[],
): Promise<'env' | 'local' | 'docker'> {
  if (mode !== 'auto') return mode;
  if (needs.length === 0) return 'local';
  if (await envServicesAnswer(needs)) return 'env';
  if (needs.every((n) => providerOf(n).localAvailable())) return 'local';
  return 'docker';
}

/** What to install or set when a mode cannot provide `needs` (one line, for InfraError). */
export function missingServicesHint(needs: readonly ServiceName[]): string {
  const ps = needs.map(providerOf);
  return `apt-get install ${ps.map((p) => p.aptPackage).join(' ')}, or set ${ps.map((p) => p.envVar).join(' and ')}`;
}

async function startEach(
  needs: readonly ServiceName[],
  start: (name: ServiceName) => Promise<RunningService>,
): Promise<Partial<Record<string, RunningService>>> {
  const settled = await Promise.allSettled(needs.map(start));
  const services: Partial<Record<string, RunningService>> = {};
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') services[needs[i]!] = s.value;
  });
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    // One failed: give back the others before reporting it.
    await Promise.allSettled(Object.values(services).map((s) => s?.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return services;
}

/** Provision what `needs` lists, in the concrete `mode` chosen by resolveServicesMode. */
export async function provision(
  mode: 'env' | 'local' | 'docker',
  needs: readonly ServiceName[],
  ctx: ProvisionContext,
): Promise<ProvisionedServices> {
  let services: Partial<Record<string, RunningService>>;
  switch (mode) {
    case 'local':
      services = await startEach(needs, (n) => providerOf(n).startLocal(ctx));
      break;
    case 'env':
      services = await startEach(needs, (n) => {
        const p = providerOf(n);
        const url = process.env[p.envVar];
        if (!url) throw new InfraError(`--services env needs ${p.envVar}`);
        return p.fromEnv(url, ctx);
      });
      break;
    case 'docker':
      services = await startEach(needs, (n) => startDockerService(n, ctx));
      break;
  }
  return {
    kind: mode,
    services,
    stop: async () => {
      await Promise.allSettled(Object.values(services).map((s) => s?.stop()));
    },
  };
}
