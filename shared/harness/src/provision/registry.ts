import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ServiceName } from '../types.ts';
import { findPostgresBin, startLocalPostgres } from './local-postgres.ts';
import { redisPing, startLocalRedis } from './local-redis.ts';
import type { ProvisionContext, RunningService } from './types.ts';

/**
 * Everything the harness knows about one kind of backing service. Provisioning, fault proxies,
 * the candidate's environment and `control.fault(name)` all work from this table, so a new
 * service is one entry here, not a branch in six places.
 */
export interface ServiceProvider {
  name: ServiceName;
  /** The variable the candidate (and `--services env`) reads the service's URL from. */
  envVar: string;
  /** Debian package with the server binary, for set-up messages. */
  aptPackage: string;
  /** Can this machine start a throwaway server of this kind? */
  localAvailable(): boolean;
  startLocal(ctx: ProvisionContext): Promise<RunningService>;
  /** Does the URL in `envVar` answer? */
  envAnswers(url: string): Promise<boolean>;
  /** A share of the service at `url` that this run owns (a fresh database, a flushed Redis). */
  fromEnv(url: string): Promise<RunningService>;
  /** The URL the candidate gets: the same service, reached through the fault proxy at `host`:`proxyPort`. */
  candidateUrl(svc: RunningService, proxyPort: number, host?: string): string;
}

const hasCommand = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

const postgres: ServiceProvider = {
  name: 'postgres',
  envVar: 'DATABASE_URL',
  aptPackage: 'postgresql',
  localAvailable: () => findPostgresBin() !== null,
  startLocal: startLocalPostgres,
  async envAnswers(url) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      return false;
    }
  },
  async fromEnv(adminUrl) {
    // A fresh database per run, dropped at the end: runs sharing one server never see each other.
    const db = `bc_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${db}`;
    return {
      host: u.hostname,
      port: Number(u.port || 5432),
      url: u.toString(),
      description: 'postgres from DATABASE_URL (fresh database per run)',
      stop: async () => {
        const c = new pg.Client({ connectionString: adminUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        await c.end();
      },
    };
  },
  candidateUrl(svc, proxyPort, host = '127.0.0.1') {
    const u = new URL(svc.url);
    u.hostname = host;
    u.port = String(proxyPort);
    return u.toString();
  },
};

const redis: ServiceProvider = {
  name: 'redis',
  envVar: 'REDIS_URL',
  aptPackage: 'redis-server',
  localAvailable: () => hasCommand('redis-server'),
  startLocal: startLocalRedis,
  envAnswers(url) {
    const u = new URL(url);
    return redisPing(u.hostname, Number(u.port || 6379));
  },
  async fromEnv(url) {
    // Redis cannot be split per run the way Postgres databases can: the logical database is
    // flushed before and after, and the README says REDIS_URL must be dedicated to grading.
    const flush = async (): Promise<void> => {
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await r.connect();
      await r.flushdb();
      r.disconnect();
    };
    await flush();
    const u = new URL(url);
    return {
      host: u.hostname,
      port: Number(u.port || 6379),
      url,
      description: 'redis from REDIS_URL (flushed)',
      stop: flush,
    };
  },
  candidateUrl(svc, proxyPort, host = '127.0.0.1') {
    const u = new URL(svc.url);
    return `redis://${host}:${proxyPort}${u.pathname === '/' ? '' : u.pathname}`;
  },
};

/** Every service a grader may declare, by name. */
export const SERVICES: Record<ServiceName, ServiceProvider> = { postgres, redis };

export const providerOf = (name: ServiceName): ServiceProvider => SERVICES[name];
