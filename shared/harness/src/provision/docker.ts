import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { InfraError } from '../errors.ts';
import { REPO_ROOT } from '../graders.ts';
import type { Language } from '../languages/manifest.ts';
import type { Toolchain } from '../languages/toolchains.ts';
import { RUN_LABEL } from '../supervisor/container.ts';
import { isAlive } from '../supervisor/proc.ts';
import type { ServiceName } from '../types.ts';
import { waitFor } from '../util.ts';
import { createTenant, pgConnects, secret, settingArgs } from './local-postgres.ts';
import { addCandidateUser, redisPing } from './local-redis.ts';
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
export function dockerUnavailable(
  needs: readonly ServiceName[],
  runner: boolean | Toolchain = false,
): string | null {
  const language: Language | null = runner === false ? null : runner === true ? 'node' : runner.language;
  const image = language ? runnerImage(language) : null;
  if (language && !image) {
    return `Docker mode has no runner image for ${language} submissions yet: grade this one with --sandbox bwrap`;
  }
  if (docker('version', '--format', '{{.Server.Version}}').status !== 0) {
    return 'no Docker engine answers: apt-get install docker.io and start dockerd (bash scripts/setup.sh --docker does both)';
  }
  const images = dockerImages();
  const missing = [
    ...needs.map((n) => images[`BC_${n.toUpperCase()}_IMAGE`]!),
    ...(image ? [image] : []),
  ].filter((i) => docker('image', 'inspect', i).status !== 0);
  const setup = `bash scripts/setup.sh${language && language !== 'node' ? ` --languages ${language}` : ''} --docker`;
  if (missing.length) {
    return `image ${missing.join(', ')} missing and none is pulled from a registry: run ${setup} (it builds them with docker/build-images.sh)`;
  }
  const labelled = language ? TOOLCHAIN_LABELS[language] : undefined;
  if (labelled && typeof runner === 'object') {
    // Go's dependencies were compiled, Rust's lockfile read, by this machine's toolchain: the
    // image must build with the same.
    const label = docker(
      'image',
      'inspect',
      '--format',
      `{{index .Config.Labels "${labelled.label}"}}`,
      image!,
    );
    const inImage = label.stdout.trim();
    if (!inImage || !labelled.matches(runner.version, inImage)) {
      return `${image} holds ${inImage || `an unlabelled ${language}`}, not this machine's (${runner.version}): run ${setup} to rebuild it`;
    }
  }
  return null;
}

/** The labels of the runner images that carry this machine's own toolchain (docker/runner-*.Dockerfile). */
const TOOLCHAIN_LABELS: Partial<
  Record<Language, { label: string; matches(host: string, image: string): boolean }>
> = {
  // Host: "go version go1.26.8 linux/amd64"; label: "go1.26.8".
  go: { label: 'backend-challenges.go-version', matches: (host, image) => host.split(' ').includes(image) },
  // Host: "cargo 1.95.0 (…); rustc 1.95.0 (…)"; label: rustc's own line.
  rust: {
    label: 'backend-challenges.rust-version',
    matches: (host, image) => host.split('; ').includes(image),
  },
};

const RUNNER_IMAGES: Partial<Record<Language, string>> = {
  node: 'BC_RUNNER_IMAGE',
  python: 'BC_RUNNER_PYTHON_IMAGE',
  go: 'BC_RUNNER_GO_IMAGE',
  rust: 'BC_RUNNER_RUST_IMAGE',
  java: 'BC_RUNNER_JAVA_IMAGE',
};

/** The image that runs `language` submissions with --sandbox docker, or null when there is none yet. */
export function runnerImage(language: Language): string | null {
  const key = RUNNER_IMAGES[language];
  return key ? (dockerImages()[key] ?? null) : null;
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

/** The command an image runs by default (its CMD). */
function imageCommand(image: string): string[] {
  const r = docker('image', 'inspect', image, '--format', '{{json .Config.Cmd}}');
  if (r.status !== 0) throw new InfraError(`cannot read the command of ${image}`);
  return JSON.parse(r.stdout.toString()) as string[];
}

/** One service of the run in its own container, from the pinned image, never pulled. */
export async function startDockerService(name: ServiceName, ctx: ProvisionContext): Promise<RunningService> {
  const { GenericContainer } = await testcontainers();
  const image = dockerImages()[`BC_${name.toUpperCase()}_IMAGE`]!;
  const spec = SPECS[name];
  const runId = ctx.markerEnv.BC_GRADE_RUN ?? 'unknown';
  let started: Awaited<ReturnType<InstanceType<typeof GenericContainer>['start']>>;
  // A grader's Postgres settings go after the image's own command (read from the image, so the
  // Dockerfile stays the one place that spells it).
  const extra = name === 'postgres' ? settingArgs(ctx.postgresSettings) : [];
  try {
    let container = new GenericContainer(image);
    if (extra.length) container = container.withCommand([...imageCommand(image), ...extra]);
    started = await container
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
  try {
    const access = name === 'postgres' ? await lockPostgres(host, port) : await lockRedis(host, port);
    return { host, port, ...access, description: `${name} in Docker (${image})`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * The image trusts every client (it knows no run's secrets): before any candidate code runs, the
 * superuser gets a password of the run's, the run a role and database of its own, and the
 * server's pg_hba.conf asks every TCP client for a password from then on.
 */
async function lockPostgres(host: string, port: number): Promise<{ url: string; adminUrl: string }> {
  const admin = new pg.Client({ connectionString: `postgres://postgres@${host}:${port}/postgres` });
  await admin.connect();
  try {
    const adminPassword = secret();
    await admin.query(`ALTER ROLE postgres PASSWORD '${adminPassword}'`);
    const tenant = await createTenant(admin, { role: 'app', database: 'app' });
    const hba = (await admin.query<{ hba_file: string }>('SHOW hba_file')).rows[0]!.hba_file;
    await admin.query(
      `COPY (VALUES ('local all all trust'), ('host all all 0.0.0.0/0 scram-sha-256'), ('host all all ::/0 scram-sha-256')) TO ${pg.escapeLiteral(hba)}`,
    );
    await admin.query('SELECT pg_reload_conf()');
    // The reload is asynchronous: wait until a client without a password is turned away.
    const locked = await waitFor(
      async () => !(await pgConnects(`postgres://postgres@${host}:${port}/postgres`)),
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    if (!locked)
      throw new InfraError('the postgres container still trusted clients without a password after a reload');
    const at = (who: string, password: string) => `postgres://${who}:${password}@${host}:${port}/app`;
    return { url: at(tenant.role, tenant.password), adminUrl: at('postgres', adminPassword) };
  } finally {
    await admin.end();
  }
}

/** As lockPostgres: the default user gets the run's password, the run an ACL user without administration. */
async function lockRedis(host: string, port: number): Promise<{ url: string; adminUrl: string }> {
  const { Redis } = await import('ioredis');
  const adminPassword = secret();
  const r = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  let password: string;
  try {
    password = await addCandidateUser(r, 'app');
    await r.call('ACL', 'SETUSER', 'default', `>${adminPassword}`);
  } finally {
    r.disconnect();
  }
  return {
    url: `redis://app:${password}@${host}:${port}`,
    adminUrl: `redis://default:${adminPassword}@${host}:${port}`,
  };
}

/** The pid of the harness that owns a run, from its label (grade.ts ends a run id with it); 0 if none. */
export const runOwner = (run: string | undefined): number => Number(run?.split('-').pop()) || 0;

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
            const owner = runOwner(run);
            return owner > 0 && !isAlive(owner);
          })
          .map(([id]) => id!);
  const containers = gone(docker('ps', '-a', '--filter', `label=${RUN_LABEL}`, '--format', format));
  if (containers.length) docker('rm', '-f', '-v', ...containers);
  // Networks after their containers: Docker refuses to remove a network still in use.
  const networks = gone(docker('network', 'ls', '--filter', `label=${RUN_LABEL}`, '--format', format));
  if (networks.length) docker('network', 'rm', ...networks);
}
