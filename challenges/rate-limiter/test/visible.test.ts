import { describe, expect, test } from 'vitest';

// The visible part of the grade, run against a freshly started service, in a shell with the
// same environment as the service (the tests read RATE_LIMIT, BUCKET_CAPACITY and API_KEYS):
//   TARGET_URL=http://localhost:3000 npm run test:visible
const target = process.env.TARGET_URL ?? 'http://localhost:3000';
const limit = Number(process.env.RATE_LIMIT ?? 100);
const capacity = Number(process.env.BUCKET_CAPACITY ?? 20);
const keys = (process.env.API_KEYS ?? '').split(',').filter(Boolean);

/** A RateLimit or RateLimit-Policy field: its quoted name and its parameters, in any order (R9). */
function field(value: string | null): { name: string; params: Record<string, string> } {
  const [name = '', ...params] = (value ?? '').split(';').map((p) => p.trim());
  return { name, params: Object.fromEntries(params.map((p) => p.split('=') as [string, string])) };
}

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${target}${path}`, { headers });

describe('rate limiter (visible tests)', () => {
  test('when the service is up, then GET /healthz answers 200', async () => {
    expect((await get('/healthz')).status).toBe(200);
  });

  test('when a client sends RATE_LIMIT requests, then they pass with Remaining counting down, and the next is 429 with Retry-After', async () => {
    const headers = { 'X-API-Key': keys[0]! };
    for (let i = 1; i <= limit; i++) {
      const res = await get('/api/window/resource', headers);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, client: `key:${keys[0]}` });
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(limit - i));
    }
    const res = await get('/api/window/resource', headers);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  test('when an unknown API key is sent, then 401 with the error JSON shape', async () => {
    const res = await get('/api/bucket/resource', { 'X-API-Key': `not-a-key-${Date.now()}` });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  test('when the bucket route allows a request, then it carries the X-RateLimit and IETF RateLimit fields', async () => {
    const res = await get('/api/bucket/resource', { 'X-API-Key': keys[1]! });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit')).toBe(String(capacity));
    expect(res.headers.get('x-ratelimit-remaining')).toBe(String(capacity - 1));
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    const policy = field(res.headers.get('ratelimit-policy'));
    expect(policy).toEqual({
      name: '"bucket"',
      params: { q: String(capacity), w: expect.stringMatching(/^\d+$/) },
    });
    const state = field(res.headers.get('ratelimit'));
    expect(state).toEqual({
      name: '"bucket"',
      params: { r: String(capacity - 1), t: expect.stringMatching(/^\d+$/) },
    });
  });
});
