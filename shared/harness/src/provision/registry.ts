import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { ServiceName } from '../types.ts';
import {
  checkSettings,
  createTenant,
  findPostgresBin,
  pgConnects,
  startLocalPostgres,
} from './local-postgres.ts';
import { addCandidateUser, redisPing, startLocalRedis } from './local-redis.ts';
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
  fromEnv(url: string, ctx: ProvisionContext): Promise<RunningService>;
  /** The URL the candidate gets: the same service, reached through the fault proxy at `host`:`proxyPort`. */
  candidateUrl(svc: RunningService, proxyPort: number, host?: string): string;
}

/** The run's own URL of a service, its host and port replaced by its fault proxy's. */
function throughProxy(svc: RunningService, proxyPort: number, host = '127.0.0.1'): string {
  const u = new URL(svc.url);
  u.hostname = host;
  u.port = String(proxyPort);
  return u.toString();
}

const hasCommand = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

const postgres: ServiceProvider = {
  name: 'postgres',
  envVar: 'DATABASE_URL',
  aptPackage: 'postgresql',
  localAvailable: () => findPostgresBin() !== null,
  startLocal: startLocalPostgres,
  envAnswers: (url) => pgConnects(url),
  async fromEnv(adminUrl, ctx) {
    // A database and a role of the run's own, dropped at the end: runs sharing one server never
    // see each other, and the candidate never gets the administrator's credentials.
    const name = `bc_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    let tenant: Awaited<ReturnType<typeof createTenant>>;
    try {
      await checkSettings(admin, ctx.postgresSettings);
      tenant = await createTenant(admin, { role: name, database: name });
    } finally {
      await admin.end();
    }
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    const adminOfRun = u.toString();
    u.username = tenant.role;
    u.password = tenant.password;
    return {
      host: u.hostname,
      port: Number(u.port || 5432),
      url: u.toString(),
      adminUrl: adminOfRun,
      description: 'postgres from DATABASE_URL (a database and role per run)',
      stop: async () => {
        const c = new pg.Client({ connectionString: adminUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
        await c.end();
      },
    };
  },
  candidateUrl: throughProxy,
};

const redis: ServiceProvider = {
  name: 'redis',
  envVar: 'REDIS_URL',
  aptPackage: 'redis-server',
  localAvailable: () => hasCommand('redis-server'),
  startLocal: startLocalRedis,
  envAnswers(url) {
    const u = new URL(url);
    const password = decodeURIComponent(u.password);
    const user = decodeURIComponent(u.username);
    return redisPing(
      u.hostname,
      Number(u.port || 6379),
      500,
      password ? { user: user || undefined, password } : undefined,
    );
  },
  async fromEnv(url) {
    // Redis cannot be split per run the way Postgres databases can: the run gets an ACL user of
    // its own (never the administrator's), the logical database is flushed before and after, and
    // a batch in this mode grades one submission at a time (batch.ts).
    const user = `bc_${randomBytes(6).toString('hex')}`;
    const admin = async <T>(fn: (r: Redis) => Promise<T>): Promise<T> => {
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await r.connect();
      try {
        return await fn(r);
      } finally {
        r.disconnect();
      }
    };
    const password = await admin(async (r) => {
      await r.flushdb();
      return addCandidateUser(r, user);
    });
    const u = new URL(url);
    u.username = user;
    u.password = password;
    return {
      host: u.hostname,
      port: Number(u.port || 6379),
      url: u.toString(),
      adminUrl: url,
      description: 'redis from REDIS_URL (flushed, an ACL user per run)',
      stop: () =>
        admin(async (r) => {
          await r.call('ACL', 'DELUSER', user);
          await r.call('CLIENT', 'KILL', 'USER', user).catch(() => {});
          await r.flushdb();
        }),
    };
  },
  candidateUrl: throughProxy,
};

/** Every service a grader may declare, by name. */
export const SERVICES: Record<ServiceName, ServiceProvider> = { postgres, redis };

export const providerOf = (name: ServiceName): ServiceProvider => SERVICES[name];
