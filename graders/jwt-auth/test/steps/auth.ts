import { createHash, createHmac } from 'node:crypto';
import { api, type Exchange, fail, grading } from '@bc/harness/kit';
import jwt from 'jsonwebtoken';
import pg from 'pg';

/** The run's settings, as the service got them. */
export function settings() {
  const e = grading().env;
  return {
    secret: e.JWT_SECRET!,
    issuer: e.JWT_ISSUER!,
    audience: e.JWT_AUDIENCE!,
    accessTtl: Number(e.ACCESS_TOKEN_TTL_SECONDS),
    refreshTtl: Number(e.REFRESH_TOKEN_TTL_SECONDS),
    adminEmail: e.ADMIN_EMAIL!,
    adminPassword: e.ADMIN_PASSWORD!,
  };
}

/** An email no other test uses, the same for a given seed (failure text must reproduce). */
export function emailFor(label: string, n = 0): string {
  return `${label}-${n}-${grading().seed % 100_000}@grader.test`;
}

/** A password for `label`, unique to the run, inside the policy. */
export function passwordFor(label: string): string {
  return `pw-${createHash('sha256').update(`${label}:${grading().seed}`).digest('hex').slice(0, 20)}`;
}

/** How a token appears in failure text: never its bytes (they differ each run). */
const bearer = (token: string, shown: string) => ({
  headers: { Authorization: `Bearer ${token}` },
  shownHeaders: { Authorization: `Bearer <${shown}>` },
});

export const register = (i: number, body: unknown) => api(i).post('/auth/register', body);
export const login = (i: number, email: string, password: string, localAddress?: string) =>
  api(i).post('/auth/login', { email, password }, localAddress ? { localAddress } : {});
export const refresh = (i: number, refreshToken: string, shown = 'the refresh token') =>
  api(i).request('POST', '/auth/refresh', {
    json: { refreshToken },
    shownBody: JSON.stringify({ refreshToken: `<${shown}>` }),
  });
export const me = (i: number, token: string, shown = 'the access token', timeoutMs?: number) =>
  api(i).get('/me', { ...bearer(token, shown), ...(timeoutMs ? { timeoutMs } : {}) });
export const adminUsers = (i: number, token: string, shown = 'the access token', timeoutMs?: number) =>
  api(i).get('/admin/users', { ...bearer(token, shown), ...(timeoutMs ? { timeoutMs } : {}) });
export const logout = (i: number, token: string, shown = 'the access token', timeoutMs?: number) =>
  api(i).request('POST', '/auth/logout', { ...bearer(token, shown), ...(timeoutMs ? { timeoutMs } : {}) });

/** A login's answer (R4). */
export interface Pair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

// The kit's status and error-JSON checks, at the strictness every challenge shares (R14).
export { expectErrorJson, expectStatus } from '@bc/harness/kit';

/** Fail unless `ex` is a 200 with R4's pair; returns it. */
export function expectPair(ex: Exchange, what: string): Pair {
  if (ex.status !== 200) fail(ex, `200 with {"accessToken", "refreshToken", "expiresIn"} for ${what}`);
  const b = ex.json as Partial<Pair> | undefined;
  if (!b || typeof b.accessToken !== 'string' || typeof b.refreshToken !== 'string' || b.refreshToken === '')
    fail(ex, `{"accessToken": "<jwt>", "refreshToken": "<string>", "expiresIn": <seconds>} for ${what}`);
  return b as Pair;
}

/** One account, registered and logged in on instance `i`. */
export interface Account {
  email: string;
  password: string;
  id: string;
  pair: Pair;
}

/** Register `email` and log in; fails (in whatever item calls it) if either does not work. */
export async function account(i: number, label: string, n = 0): Promise<Account> {
  const email = emailFor(label, n);
  const password = passwordFor(label);
  const r = await register(i, { email, password });
  if (r.status !== 201) fail(r, `201 for registering a new account (R1), to test ${label} with it`);
  const id = String((r.json as { id?: unknown } | undefined)?.id ?? '');
  const pair = expectPair(
    await login(i, email, password),
    `logging in a new account (R4), to test ${label} with it`,
  );
  return { email, password, id, pair };
}

/** Log in again for a fresh pair. */
export async function relogin(i: number, a: Account, what: string): Promise<Pair> {
  return expectPair(await login(i, a.email, a.password), what);
}

/** The token's claims if it verifies as R6 says, else null. */
export function verified(token: string): jwt.JwtPayload | null {
  const s = settings();
  try {
    const c = jwt.verify(token, s.secret, {
      algorithms: ['HS256'],
      issuer: s.issuer,
      audience: s.audience,
      clockTolerance: 2,
    });
    return typeof c === 'object' ? c : null;
  } catch {
    return null;
  }
}

/** The header of a JWT, unverified. */
export function headerOf(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

/** The claims of a JWT, unverified. */
export function claimsOf(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/**
 * A token with this header and payload: signed by jsonwebtoken with `secret` (HS256/384/512), or
 * unsigned (`secret` null) and built by hand, as jsonwebtoken will not write an "alg" of "None".
 * An empty secret is signed by hand too (jsonwebtoken refuses one).
 */
export function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string | null,
): string {
  const alg = String(header.alg) as 'HS256' | 'HS384' | 'HS512';
  if (secret !== null && secret !== '')
    return jwt.sign(payload, secret, { algorithm: alg, header: { ...header, alg } });
  const head = `${b64(header)}.${b64(payload)}`;
  if (secret === null) return `${head}.`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg] ?? 'sha256';
  return `${head}.${createHmac(hash, secret).update(head).digest('base64url')}`;
}

/** Claims as R6 has them for account `sub`, now, valid for a minute, with overrides. */
export function claimsFor(sub: string, role: string, over: Record<string, unknown> = {}) {
  const s = settings();
  const now = Math.floor(Date.now() / 1000);
  return {
    sub,
    role,
    jti: `forged-${now}-${Math.random().toString(36).slice(2)}`,
    iat: now,
    exp: now + 60,
    iss: s.issuer,
    aud: s.audience,
    ...over,
  };
}

/** SQL on the run's database, as the grader (through the same proxy as the service). */
export async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: grading().env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}
