import { describe, expect, test } from 'vitest';

// The visible part of the grade, run against a running service, in a shell with the same
// environment as the service (the tests read JWT_ISSUER, JWT_AUDIENCE and ACCESS_TOKEN_TTL_SECONDS):
//   TARGET_URL=http://localhost:3000 npm run test:visible
const target = process.env.TARGET_URL ?? 'http://localhost:3000';
const ttl = Number(process.env.ACCESS_TOKEN_TTL_SECONDS ?? 900);

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${target}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** The claims of a JWT, unverified (the grader verifies them with JWT_SECRET). */
const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

const email = `visible-${Date.now()}-${process.pid}@example.test`;
const password = 'visible-password-1';

describe('JWT auth (visible tests)', () => {
  test('when an account is registered, then 201 with its id, email and role "user"', async () => {
    const res = await post('/auth/register', { email, password });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ email, role: 'user' });
    expect(['string', 'number']).toContain(typeof body.id);
  });

  test('when it logs in, then an HS256 access token with the stated claims and a refresh token', async () => {
    const res = await post('/auth/login', { email: email.toUpperCase(), password });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accessToken: string; refreshToken: string; expiresIn: number };
    expect(body.expiresIn).toBe(ttl);
    expect(typeof body.refreshToken).toBe('string');
    const header = JSON.parse(Buffer.from(body.accessToken.split('.')[0]!, 'base64url').toString());
    expect(header.alg).toBe('HS256');
    const c = claims(body.accessToken);
    expect(c).toMatchObject({ role: 'user', iss: process.env.JWT_ISSUER, aud: process.env.JWT_AUDIENCE });
    expect(Number(c.exp) - Number(c.iat)).toBe(ttl);
  });

  test('when GET /me carries the access token, then it answers the account', async () => {
    const login = (await (await post('/auth/login', { email, password })).json()) as { accessToken: string };
    const res = await fetch(`${target}/me`, { headers: { authorization: `Bearer ${login.accessToken}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: expect.anything(), email, role: 'user' });
  });

  test('when GET /me has no token, then 401 with the error JSON shape', async () => {
    const res = await fetch(`${target}/me`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});
