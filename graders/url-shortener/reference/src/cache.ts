import type { Redis } from 'ioredis';

const urlKey = (code: string): string => `u:${code}`;

/**
 * Redis in front of Postgres for the code → URL mapping, expiring with the link. Every call may
 * fail when Redis is away; a short breaker then keeps requests off it so the hot path falls back
 * to Postgres without paying a timeout each time.
 */
export class Cache {
  private downUntil = 0;

  constructor(
    private readonly redis: Redis,
    private readonly clock: () => number = Date.now,
  ) {}

  get available(): boolean {
    return this.clock() >= this.downUntil && this.redis.status === 'ready';
  }

  private trip(): void {
    this.downUntil = this.clock() + 1000;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (!this.available) return undefined;
    try {
      return await fn();
    } catch {
      this.trip();
      return undefined;
    }
  }

  /** The cached URL: `{ url: null }` on a miss, undefined when Redis cannot be asked. */
  async get(code: string): Promise<{ url: string | null } | undefined> {
    return this.guard(async () => ({ url: await this.redis.get(urlKey(code)) }));
  }

  async put(code: string, url: string, expiresAt: Date | null): Promise<void> {
    const ttl = expiresAt ? expiresAt.getTime() - this.clock() : 24 * 3600 * 1000;
    if (ttl <= 0) return;
    await this.guard(() => this.redis.set(urlKey(code), url, 'PX', ttl));
  }
}
