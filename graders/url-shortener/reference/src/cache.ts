import type { Redis } from 'ioredis';

const PENDING = 'clicks:pending';
const urlKey = (code: string): string => `u:${code}`;

// Take-and-clear in one step, so two instances flushing at once never count the same clicks twice.
const TAKE = `local v = redis.call('HGETALL', KEYS[1]) redis.call('DEL', KEYS[1]) return v`;

/**
 * Redis in front of Postgres: the code → URL mapping (expiring with the link) and pending click
 * counts. Every call may fail when Redis is away; a short breaker then keeps requests off it so
 * the hot path falls back to Postgres without paying a timeout each time.
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

  /**
   * The hot path in one round trip: the cached URL, and a click counted if it was there. Two plain
   * commands issued together ride ioredis auto-pipelining into one write, without the cost of a
   * Pipeline object per request.
   */
  async hit(code: string): Promise<{ url: string | null } | undefined> {
    return this.guard(async () => {
      const [url] = await Promise.all([this.redis.get(urlKey(code)), this.redis.hincrby(PENDING, code, 1)]);
      return { url };
    });
  }

  /** Undo the click `hit` counted for a code that turned out not to be redirectable. */
  async uncount(code: string): Promise<void> {
    await this.guard(() => this.redis.hincrby(PENDING, code, -1));
  }

  async countClick(code: string): Promise<boolean> {
    return (await this.guard(() => this.redis.hincrby(PENDING, code, 1))) !== undefined;
  }

  async put(code: string, url: string, expiresAt: Date | null): Promise<void> {
    const ttl = expiresAt ? expiresAt.getTime() - this.clock() : 24 * 3600 * 1000;
    if (ttl <= 0) return;
    await this.guard(() => this.redis.set(urlKey(code), url, 'PX', ttl));
  }

  async pending(code: string): Promise<number> {
    return Number((await this.guard(() => this.redis.hget(PENDING, code))) ?? 0);
  }

  /** Remove and return all pending counts. */
  async takePending(): Promise<Map<string, number> | undefined> {
    const flat = await this.guard(() => this.redis.eval(TAKE, 1, PENDING) as Promise<string[]>);
    if (!flat) return undefined;
    const out = new Map<string, number>();
    for (let i = 0; i < flat.length; i += 2) {
      const n = Number(flat[i + 1]);
      if (n !== 0) out.set(flat[i]!, n);
    }
    return out;
  }

  /** Put counts back after a failed flush, so they are retried rather than lost. */
  async restorePending(counts: Map<string, number>): Promise<void> {
    await this.guard(async () => {
      const p = this.redis.pipeline();
      for (const [code, n] of counts) p.hincrby(PENDING, code, n);
      await p.exec();
    });
  }
}
