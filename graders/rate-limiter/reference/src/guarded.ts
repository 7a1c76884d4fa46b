import type { Redis } from 'ioredis';
import type { Decision, Limiter, PolicyName } from './policies.js';

/** Thrown when Redis cannot decide and the instance fails closed. */
export class LimiterUnavailable extends Error {}

/**
 * The shared limiter behind a breaker: after a failure (refused, reset, or no answer within the
 * command timeout) requests skip Redis for a short while, so a hanging Redis costs one timeout per
 * breaker period instead of one per request. Open mode decides locally meanwhile; closed refuses.
 */
export class GuardedLimiter implements Limiter {
  private skipUntil = 0;

  constructor(
    private readonly redis: Redis,
    private readonly shared: Limiter,
    private readonly fallback: Limiter | null,
    private readonly breakerMs = 500,
    private readonly clock: () => number = Date.now,
  ) {}

  async check(policy: PolicyName, client: string): Promise<Decision> {
    if (this.redis.status === 'ready' && this.clock() >= this.skipUntil) {
      try {
        return await this.shared.check(policy, client);
      } catch {
        this.skipUntil = this.clock() + this.breakerMs;
      }
    }
    if (!this.fallback) throw new LimiterUnavailable('rate limiter unavailable');
    return this.fallback.check(policy, client);
  }
}
