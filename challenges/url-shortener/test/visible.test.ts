import request from 'supertest';
import { describe, expect, test } from 'vitest';

// The visible part of the grade, run against your running service:
//   TARGET_URL=http://localhost:3000 TARGET_BASE_URL=https://sho.rt npm run test:visible
// (the service's BASE_URL is passed as TARGET_BASE_URL: Vitest sets BASE_URL itself.)
const target = process.env.TARGET_URL ?? 'http://localhost:3000';
const baseUrl = (process.env.TARGET_BASE_URL ?? 'https://sho.rt').replace(/\/+$/, '');
const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe('url shortener (visible tests)', () => {
  test('when the service is up, then GET /healthz answers 200', async () => {
    await request(target).get('/healthz').expect(200);
  });

  test('when a valid URL is posted, then 201 returns code, shortUrl under BASE_URL, url and expiresAt', async () => {
    const url = `https://example.com/${unique}?q=1#top`;
    const res = await request(target).post('/api/v1/urls').send({ url }).expect(201);
    expect(res.body).toEqual({
      code: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      shortUrl: `${baseUrl}/${res.body.code}`,
      url,
      expiresAt: null,
    });
  });

  test('when a short code is requested, then 302 redirects to exactly the stored URL', async () => {
    const url = `https://example.com/landing/${unique}?utm=a&b=2#frag`;
    const { body } = await request(target).post('/api/v1/urls').send({ url }).expect(201);
    const res = await request(target).get(`/${body.code}`).redirects(0);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(url);
  });

  test('when an unknown route is requested, then 404 with the error JSON shape', async () => {
    const res = await request(target).get(`/api/v1/nothing-here-${unique}`).expect(404);
    expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});
