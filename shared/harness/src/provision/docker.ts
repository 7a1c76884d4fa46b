import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { InfraError } from '../errors.ts';
import { REPO_ROOT } from '../graders.ts';
import { RUN_LABEL } from '../supervisor/container.ts';
import { isAlive } from '../supervisor/proc.ts';
import type { ServiceName } from '../types.ts';
import { waitFor } from '../util.ts';
import { redisPing } from './local-redis.ts';
import type { ProvisionContext, RunningService } from './types.ts';

export { RUN_LABEL };

/** Image names and versions, from docker/images.env (the one place they are pinned). */
export function dockerImages(): Record<string, string> {
  const text = readFileSync(join(REPO_ROOT, 'docker', 'images.env'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
}

const docker = (...args: string[]) => spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 });

/**
 * Why this machine cannot run these services in Docker (and, with `runner`, candidate code:
 * --sandbox docker), or null when it can.
 */
export function dockerUnavailable(needs: readonly ServiceName[], runner = false): string | null {
  if (docker('version', '--format', '{{.Server.Version}}').status !== 0) {
    return 'no Docker engine answers: apt-get install docker.io and start dockerd (bash scripts/setup.sh --docker does both)';
  }
  const images = dockerImages();
  const missing = [
    ...needs.map((n) => images[`BC_${n.toUpperCase()}_IMAGE`]!),
    ...(runner ? [images.BC_RUNNER_IMAGE!] : []),
  ].filter((i) => docker('image', 'inspect', i).status !== 0);
  if (missing.length) {
    return `image ${missing.join(', ')} missing and none is pulled from a registry: run bash scripts/setup.sh --docker (it builds them with docker/build-images.sh)`;
  }
  return null;
}

/**
 * testcontainers, set up for machines without a registry: its reaper (Ryuk) is an image pulled
 * on first use, so without one our own label sweep does its job.
 */
async function testcontainers() {
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  if (docker('image', 'inspect', 'testcontainers/ryuk:0.14.0').status !== 0) {
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  }
  return import('testcontainers');
}

/** How each service's container is started and when it counts as ready. */
const SPECS: Record<ServiceName, { port: number; ready: (host: string, port: number) => Promise<boolean> }> =
  {
    postgres: {
      port: 5432,
      // Ready when a query answers, not when the port opens (Postgres accepts, then refuses, while it starts).
      ready: async (host, port) => {
        const c = new pg.Client({
          connectionString: `postgres://postgres@${host}:${port}/postgres`,
          connectionTimeoutMillis: 1000,
        });
        try {
          await c.connect();
          await c.query('SELECT 1');
          return true;
        } finally {
          await c.end().catch(() => {});
        }
      },
    },
    redis: { port: 6379, ready: (host, port) => redisPing(host, port) },
  };

/** One service of the run in its own container, from the pinned image, never pulled. */
export async function startDockerService(name: ServiceName, ctx: ProvisionContext): Promise<RunningService> {
  const { GenericContainer } = await testcontainers();
  const image = dockerImages()[`BC_${name.toUpperCase()}_IMAGE`]!;
  const spec = SPECS[name];
  const runId = ctx.markerEnv.BC_GRADE_RUN ?? 'unknown';
  let started: Awaited<ReturnType<InstanceType<typeof GenericContainer>['start']>>;
  try {
    started = await new GenericContainer(image)
      .withExposedPorts(spec.port)
      .withLabels({ [RUN_LABEL]: runId })
      .withPullPolicy({ shouldPull: () => false })
      .withStartupTimeout(30_000)
      .start();
  } catch (e) {
    throw new InfraError(
      `the ${name} container (${image}) did not start: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const host = started.getHost();
  const port = started.getMappedPort(spec.port);
  const stop = async (): Promise<void> => {
    await started.stop({ remove: true, removeVolumes: true, timeout: 2_000 }).catch(() => {});
  };
  const ready = await waitFor(() => spec.ready(host, port).catch(() => false), {
    timeoutMs: 30_000,
    intervalMs: 50,
  });
  if (!ready) {
    await stop();
    throw new InfraError(`the ${name} container (${image}) never answered`);
  }
  if (name === 'postgres') {
    const admin = new pg.Client({ connectionString: `postgres://postgres@${host}:${port}/postgres` });
    await admin.connect();
    await admin.query('CREATE DATABASE app');
    await admin.end();
  }
  return {
    host,
    port,
    url: name === 'postgres' ? `postgres://postgres@${host}:${port}/app` : `redis://${host}:${port}`,
    description: `${name} in Docker (${image})`,
    stop,
  };
}

/**
 * Remove the containers and networks of runs whose harness is gone (and, with `runId`, of that
 * run): what Ryuk would do, for engines without it and for a harness killed outright.
 */
export function reapContainers(runId?: string): void {
  // No engine here (the common case without Docker): nothing to ask, and no CLI call per grading.
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return;
  const format = `{{.ID}} {{.Label "${RUN_LABEL}"}}`;
  const gone = (listing: ReturnType<typeof docker>): string[] =>
    listing.status !== 0
      ? []
      : listing.stdout
          .split('\n')
          .map((l) => l.trim().split(' '))
          .filter(([id, run]) => {
            if (!id || !run) return false;
            if (run === runId) return true;
            const owner = Number(run.split('-').pop());
            return owner > 0 && !isAlive(owner);
          })
          .map(([id]) => id!);
  const containers = gone(docker('ps', '-a', '--filter', `label=${RUN_LABEL}`, '--format', format));
  if (containers.length) docker('rm', '-f', '-v', ...containers);
  // Networks after their containers: Docker refuses to remove a network still in use.
  const networks = gone(docker('network', 'ls', '--filter', `label=${RUN_LABEL}`, '--format', format));
  if (networks.length) docker('network', 'rm', ...networks);
}
