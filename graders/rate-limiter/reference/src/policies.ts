/** What a policy decided for one request, in the units the headers need. */
export interface Decision {
  allowed: boolean;
  limit: number;
  /** Requests the client could still make right now. */
  remaining: number;
  /** Milliseconds until the whole budget is back. */
  resetMs: number;
  /** Milliseconds until a request would be allowed (0 when allowed). */
  retryMs: number;
}

/** The two policies' settings. */
export interface Limits {
  windowLimit: number;
  windowMs: number;
  capacity: number;
  refillPerSec: number;
}

/** Name of a policy, as it appears in routes and in the RateLimit fields. */
export type PolicyName = 'window' | 'bucket';

/** Decides for one client; the shared one lives in Redis, the fallback in memory. */
export interface Limiter {
  check(policy: PolicyName, client: string): Promise<Decision>;
}

/** Sliding log: a decision from the timestamps of allowed requests still in the window. */
export function windowDecision(log: number[], now: number, l: Limits): Decision {
  const allowed = log.length < l.windowLimit;
  const kept = allowed ? [...log, now] : log;
  return {
    allowed,
    limit: l.windowLimit,
    remaining: l.windowLimit - kept.length,
    resetMs: kept.length ? kept[kept.length - 1]! + l.windowMs - now : 0,
    retryMs: allowed ? 0 : kept[0]! + l.windowMs - now,
  };
}

/** Token bucket: a decision from the tokens left after this request. */
export function bucketDecision(allowed: boolean, tokens: number, l: Limits): Decision {
  return {
    allowed,
    limit: l.capacity,
    remaining: Math.floor(tokens),
    resetMs: ((l.capacity - tokens) / l.refillPerSec) * 1000,
    retryMs: allowed ? 0 : ((1 - tokens) / l.refillPerSec) * 1000,
  };
}
