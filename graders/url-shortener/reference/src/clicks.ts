import type pg from 'pg';
import type { Cache } from './cache.js';
import { addClicks } from './db.js';

/**
 * Moves pending click counts from Redis to Postgres. Counts that could not be written stay in
 * memory and are retried, so a failed flush delays clicks but never drops them.
 */
export class ClickFlusher {
  private carry = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly cache: Cache,
  ) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.flush(), everyMs);
  }

  /** Clicks held here and not yet in Postgres (stats add them in). */
  held(code: string): number {
    return this.carry.get(code) ?? 0;
  }

  flush(): Promise<void> {
    this.running ??= this.doFlush().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async doFlush(): Promise<void> {
    const taken = await this.cache.takePending();
    for (const [code, n] of taken ?? []) this.carry.set(code, (this.carry.get(code) ?? 0) + n);
    if (this.carry.size === 0) return;
    const batch = this.carry;
    this.carry = new Map();
    try {
      await addClicks(this.pool, batch);
    } catch {
      for (const [code, n] of batch) this.carry.set(code, (this.carry.get(code) ?? 0) + n);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    // A second pass picks up what arrived during the first.
    await this.flush();
  }
}
