import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A cached copy: the product's JSON as the origin sent it, its version, and when it was fetched. */
export interface Entry {
  json: string;
  version: number;
  fetchedAt: number;
}

/** Redis refused, failed or did not answer: the caller goes to the origin instead (R10). */
export class CacheUnavailable extends Error {}

/** TTLs of the README, in milliseconds. */
export interface Ttls {
  fresh: number;
  stale: number;
  negative: number;
}

// Sets a copy unless a newer version is already cached: a read that fetched before a write and
// lands after it never puts the older version back (R5). Clears the id's unknown mark.
const PUT_NEWER = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '^%d+|(%d+)|'))
  if v and v > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const encode = (e: Entry): string => `${e.fetchedAt}|${e.version}|${e.json}`;

function decode(raw: string | null): Entry | undefined {
  if (!raw) return undefined;
  const a = raw.indexOf('|');
  const b = raw.indexOf('|', a + 1);
  return { fetchedAt: Number(raw.slice(0, a)), version: Number(raw.slice(a + 1, b)), json: raw.slice(b + 1) };
}

/**
 * The shared cache in Redis, behind a breaker: after a failure, calls skip Redis for a short
 * while, so a hanging Redis costs one command timeout per period instead of one per request.
 * Keys: `product:{id}` (a copy, expiring when it can no longer be served stale),
 * `unknown:{id}` (the origin's 404), `lock:{id}` (who fetches), `failed:{id}` (that fetch failed).
 */
export class Store {
  private skipUntil = 0;

  constructor(
    private readonly redis: Redis,
    readonly ttls: Ttls,
    private readonly breakerMs = 500,
  ) {
    redis.defineCommand('putNewer', { numberOfKeys: 2, lua: PUT_NEWER });
    redis.defineCommand('release', { numberOfKeys: 1, lua: RELEASE });
  }

  private async guard<T>(run: () => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready' || Date.now() < this.skipUntil)
      throw new CacheUnavailable('redis is away');
    try {
      return await run();
    } catch (e) {
      this.skipUntil = Date.now() + this.breakerMs;
      throw new CacheUnavailable((e as Error).message);
    }
  }

  /** The copy of `id` (if any), whether the origin said it does not exist, and whether its last fetch failed. */
  read(id: string): Promise<{ entry?: Entry; unknown: boolean; failed: boolean }> {
    return this.guard(async () => {
      const [copy, unknown, failed] = await this.redis.mget(`product:${id}`, `unknown:${id}`, `failed:${id}`);
      return { entry: decode(copy ?? null), unknown: unknown !== null, failed: failed !== null };
    });
  }

  /** The copy of `id` alone: one GET, the whole of a fresh hit's work in Redis. */
  readCopy(id: string): Promise<Entry | undefined> {
    return this.guard(async () => decode(await this.redis.get(`product:${id}`)));
  }

  /** Many copies and unknown marks in one round trip. */
  readMany(ids: string[]): Promise<{ entry?: Entry; unknown: boolean }[]> {
    return this.guard(async () => {
      const raw = await this.redis.mget(...ids.flatMap((id) => [`product:${id}`, `unknown:${id}`]));
      return ids.map((_, i) => ({ entry: decode(raw[2 * i] ?? null), unknown: raw[2 * i + 1] !== null }));
    });
  }

  /** Caches a copy unless a newer version is there; kept while it may be served stale. */
  put(id: string, e: Entry): Promise<void> {
    return this.guard(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: a command ioredis adds at run time
      await (this.redis as any).putNewer(
        `product:${id}`,
        `unknown:${id}`,
        encode(e),
        e.version,
        this.ttls.fresh + this.ttls.stale,
      );
    });
  }

  markUnknown(id: string): Promise<void> {
    return this.guard(async () => {
      await this.redis.set(`unknown:${id}`, '1', 'PX', this.ttls.negative);
    });
  }

  markFailed(id: string, ms: number): Promise<void> {
    return this.guard(async () => {
      await this.redis.set(`failed:${id}`, '1', 'PX', ms);
    });
  }

  /** A lease on `name` for `ms` (who fetches or refreshes an id), or null when another holds it. */
  lease(name: string, ms: number): Promise<(() => Promise<void>) | null> {
    return this.guard(async () => {
      const token = randomUUID();
      const got = await this.redis.set(name, token, 'PX', ms, 'NX');
      if (got !== 'OK') return null;
      return async () => {
        // biome-ignore lint/suspicious/noExplicitAny: a command ioredis adds at run time
        await this.guard(() => (this.redis as any).release(name, token)).catch(() => {});
      };
    });
  }

  leaseHeld(name: string): Promise<boolean> {
    return this.guard(async () => (await this.redis.exists(name)) === 1);
  }
}
