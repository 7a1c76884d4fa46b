import {
  bucketDecision,
  type Decision,
  type Limiter,
  type Limits,
  type PolicyName,
  windowDecision,
} from './policies.js';

/**
 * The same policies in process memory: what an instance failing open limits with while Redis is
 * unreachable. Entries are dropped once they no longer limit anyone.
 */
export class LocalLimiter implements Limiter {
  private readonly logs = new Map<string, number[]>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limits: Limits,
    private readonly clock: () => number = Date.now,
  ) {}

  async check(policy: PolicyName, client: string): Promise<Decision> {
    const now = this.clock();
    this.sweep(now);
    if (policy === 'window') {
      const log = (this.logs.get(client) ?? []).filter((t) => t > now - this.limits.windowMs);
      const d = windowDecision(log, now, this.limits);
      if (d.allowed) log.push(now);
      this.logs.set(client, log);
      return d;
    }
    const l = this.limits;
    const b = this.buckets.get(client) ?? { tokens: l.capacity, at: now };
    let tokens = Math.min(l.capacity, b.tokens + ((now - b.at) / 1000) * l.refillPerSec);
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.buckets.set(client, { tokens, at: now });
    return bucketDecision(allowed, tokens, l);
  }

  private lastSweep = 0;
  private sweep(now: number): void {
    if (now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    for (const [k, log] of this.logs)
      if (!log.some((t) => t > now - this.limits.windowMs)) this.logs.delete(k);
    const fullAfter = (this.limits.capacity / this.limits.refillPerSec) * 1000;
    for (const [k, b] of this.buckets) if (now - b.at > fullAfter) this.buckets.delete(k);
  }
}
