import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { InfraError } from '../errors.ts';
import type { ServiceName } from '../types.ts';
import { findPostgresBin, startLocalPostgres } from './local-postgres.ts';
import { redisPing, startLocalRedis } from './local-redis.ts';
import type { ProvisionContext, ProvisionedServices } from './types.ts';

export type { ProvisionedServices, ServiceEndpoint } from './types.ts';

/** How services are found: `auto` tries env URLs, then local binaries, then Docker. */
export type ServicesMode = 'auto' | 'env' | 'local' | 'docker';

/** True when DATABASE_URL and REDIS_URL (those the run needs) are set and answer. */
export async function envServicesAnswer(needs: readonly ServiceName[]): Promise<boolean> {
  if (needs.includes('postgres')) {
    if (!process.env.DATABASE_URL) return false;
    const c = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.end();
    } catch {
      return false;
    }
  }
  if (needs.includes('redis')) {
    const url = process.env.REDIS_URL;
    if (!url) return false;
    const u = new URL(url);
    if (!(await redisPing(u.hostname, Number(u.port || 6379)))) return false;
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
  const localOk =
    (!needs.includes('postgres') || findPostgresBin() !== null) &&
    (!needs.includes('redis') || spawnSync('sh', ['-c', 'command -v redis-server']).status === 0);
  if (localOk) return 'local';
  return 'docker';
}

async function provisionLocal(
  needs: readonly ServiceName[],
  ctx: ProvisionContext,
): Promise<ProvisionedServices> {
  const [postgres, redis] = await Promise.all([
    needs.includes('postgres') ? startLocalPostgres(ctx) : undefined,
    needs.includes('redis') ? startLocalRedis(ctx) : undefined,
  ]);
  return {
    kind: 'local',
    postgres,
    redis,
    stop: async () => {
      await Promise.all([postgres?.stop(), redis?.stop()]);
    },
  };
}

/**
 * Services from DATABASE_URL / REDIS_URL. Postgres gets a fresh database per run, dropped at the
 * end. Redis cannot be split that way, so its logical database is flushed before and after: the
 * README warns that REDIS_URL must point at a database dedicated to grading.
 */
async function provisionEnv(needs: readonly ServiceName[]): Promise<ProvisionedServices> {
  const stops: (() => Promise<void>)[] = [];
  const out: ProvisionedServices = { kind: 'env', stop: async () => {} };
  if (needs.includes('postgres')) {
    const adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) throw new InfraError('--services env needs DATABASE_URL');
    const db = `bc_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${db}`;
    out.postgres = {
      host: u.hostname,
      port: Number(u.port || 5432),
      database: db,
      user: decodeURIComponent(u.username),
      url: u.toString(),
      description: 'postgres from DATABASE_URL (fresh database per run)',
    };
    stops.push(async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.end();
    });
  }
  if (needs.includes('redis')) {
    const url = process.env.REDIS_URL;
    if (!url) throw new InfraError('--services env needs REDIS_URL');
    const flush = async (): Promise<void> => {
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await r.connect();
      await r.flushdb();
      r.disconnect();
    };
    await flush();
    const u = new URL(url);
    out.redis = {
      host: u.hostname,
      port: Number(u.port || 6379),
      url,
      description: 'redis from REDIS_URL (flushed)',
    };
    stops.push(flush);
  }
  out.stop = async () => {
    await Promise.allSettled(stops.map((s) => s()));
  };
  return out;
}

/** Provision what `needs` lists, in the concrete `mode` chosen by resolveServicesMode. */
export async function provision(
  mode: 'env' | 'local' | 'docker',
  needs: readonly ServiceName[],
  ctx: ProvisionContext,
): Promise<ProvisionedServices> {
  switch (mode) {
    case 'local':
      return provisionLocal(needs, ctx);
    case 'env':
      return provisionEnv(needs);
    case 'docker':
      // The seam for the Docker issue: a provider that starts containers and returns the same shape.
      throw new InfraError('Docker provisioning is not available yet');
  }
}
