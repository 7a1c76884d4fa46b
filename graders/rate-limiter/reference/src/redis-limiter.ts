import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { bucketDecision, type Decision, type Limiter, type Limits, type PolicyName } from './policies.js';

// Each policy is one script, so a decision is one round trip (EVALSHA) and atomic across
// instances. Time comes from Redis, so instances with skewed clocks still agree.
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
local allowed = 0
if n < limit then
  redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  n = n + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
return {allowed, n, now, tonumber(oldest[2]) or now, tonumber(newest[2]) or now}
`;

const TOKEN_BUCKET = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local h = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(h[1])
local at = tonumber(h[2])
if tokens == nil or at == nil then
  tokens = cap
  at = now
end
tokens = math.min(cap, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((cap - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
`;

type ScriptRedis = Redis & {
  slidingWindow(key: string, limit: number, windowMs: number, member: string): Promise<number[]>;
  tokenBucket(key: string, capacity: number, refillPerSec: number): Promise<[number, string]>;
};

/** The shared limiter: every instance on one Redis sees one budget per client. */
export class RedisLimiter implements Limiter {
  private readonly redis: ScriptRedis;
  private readonly nonce = randomBytes(4).toString('hex');
  private seq = 0;

  constructor(
    redis: Redis,
    private readonly limits: Limits,
  ) {
    redis.defineCommand('slidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW });
    redis.defineCommand('tokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET });
    this.redis = redis as ScriptRedis;
  }

  async check(policy: PolicyName, client: string): Promise<Decision> {
    const l = this.limits;
    if (policy === 'window') {
      const member = `${this.nonce}-${this.seq++}`;
      const [allowed, n, now, oldest, newest] = (await this.redis.slidingWindow(
        `rl:w:${client}`,
        l.windowLimit,
        l.windowMs,
        member,
      )) as [number, number, number, number, number];
      return {
        allowed: allowed === 1,
        limit: l.windowLimit,
        remaining: l.windowLimit - n,
        resetMs: newest + l.windowMs - now,
        retryMs: allowed === 1 ? 0 : oldest + l.windowMs - now,
      };
    }
    const [allowed, tokens] = await this.redis.tokenBucket(`rl:b:${client}`, l.capacity, l.refillPerSec);
    return bucketDecision(allowed === 1, Number(tokens), l);
  }
}
