import { describe, expect, test } from 'vitest';

// The visible part of the grade, run against your running service (and the origin of
// dev/origin.mjs, or the grader's), in a shell with the service's environment:
//   TARGET_URL=http://localhost:3000 npm run test:visible
const target = process.env.TARGET_URL ?? 'http://localhost:3000';
const freshMs = Number(process.env.CACHE_TTL_MS ?? 30_000);
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${target}${path}`, { headers });

describe('cache (visible tests)', () => {
  test('when the service is up, then GET /healthz answers 200', async () => {
    expect((await get('/healthz')).status).toBe(200);
  });

  test('when a product is read, then it is the origin’s product with an ETag and a public max-age no longer than CACHE_TTL_MS', async () => {
    const res = await get(`/products/visible-${run}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: `visible-${run}`,
      name: expect.any(String),
      priceCents: expect.any(Number),
      version: expect.any(Number),
    });
    expect(res.headers.get('etag')).toBeTruthy();
    const cc = res.headers.get('cache-control') ?? '';
    expect(cc).toMatch(/(^|[\s,])public($|[\s,])/);
    expect(Number(/max-age=(\d+)/.exec(cc)?.[1])).toBeLessThanOrEqual(Math.ceil(freshMs / 1000));
  });

  test('when If-None-Match holds the current ETag, then 304 with that ETag and no body', async () => {
    const first = await get(`/products/etag-${run}`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    const again = await get(`/products/etag-${run}`, { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
  });

  test('when an unknown id is read, then 404 with the error JSON shape', async () => {
    const res = await get(`/products/unknown-${run}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});
