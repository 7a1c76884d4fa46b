import type pg from 'pg';
import { addClicks } from './db.js';

/**
 * Counts clicks in this process and moves them to Postgres every few hundred milliseconds, in one
 * statement. Not in Redis: a Redis write that times out may still land once the connection heals,
 * and counting it again in Postgres would count it twice. Counts that could not be written stay
 * here and are retried, so a failed flush delays clicks but never drops them; a crash loses at
 * most one interval's worth (the README allows 2 s).
 */
export class ClickFlusher {
  private carry = new Map<string, number>();
  private inFlight = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly pool: pg.Pool) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.flush(), everyMs);
  }

  count(code: string): void {
    this.carry.set(code, (this.carry.get(code) ?? 0) + 1);
  }

  /** Clicks held here and not yet in Postgres (stats add them in). */
  held(code: string): number {
    return (this.carry.get(code) ?? 0) + (this.inFlight.get(code) ?? 0);
  }

  flush(): Promise<void> {
    this.running ??= this.doFlush().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async doFlush(): Promise<void> {
    if (this.carry.size === 0) return;
    this.inFlight = this.carry;
    this.carry = new Map();
    try {
      await addClicks(this.pool, this.inFlight);
    } catch {
      for (const [code, n] of this.inFlight) this.carry.set(code, (this.carry.get(code) ?? 0) + n);
    } finally {
      this.inFlight = new Map();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    // A second pass picks up what arrived during the first.
    await this.flush();
  }
}
