import { api, type Exchange, fail, rubricTest } from '@bc/harness/kit';
import { beforeAll } from 'vitest';
import { rubric } from '../rubric.ts';
import {
  type Account,
  account,
  adminUsers,
  claimsFor,
  claimsOf,
  expectStatus,
  forge,
  me,
  relogin,
  settings,
} from './steps/auth.ts';

let user: Account;
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    user = await account(0, 'attacks');
  } catch (e) {
    setupError = e as Error;
  }
});

function ready(): Account {
  if (setupError) throw setupError;
  return user;
}

const HS256 = { alg: 'HS256', typ: 'JWT' };

/** Fail unless the service first accepts the genuine token (else a refusal proves nothing). */
async function expectGenuineAccepted(token: string): Promise<void> {
  const ex = await me(0, token, 'a freshly issued access token');
  if (ex.status !== 200) fail(ex, '200 for a genuine access token, before trying forged ones (R8)');
}

/** Each forged token must be 401 (never 200, never 500) on GET /me and on instance b. */
async function expectRefused(cases: { what: string; token: string }[], rule: string): Promise<void> {
  for (const c of cases) {
    for (const i of [0, 1]) {
      const ex = await me(i, c.token, c.what);
      expectStatus(ex, [401], `a token that is ${c.what} (${rule})`);
    }
  }
}

/**
 * An item of tokens signed (or not) by the grader that must each be refused, once a token made
 * the same way with R6's claims is accepted.
 */
function refusedTokens(
  slug: string,
  rule: string,
  cases: (c: { id: string; secret: string; issuer: string; audience: string; now: number }) => {
    what: string;
    token: string;
  }[],
): void {
  rubricTest(rubric, slug, async () => {
    const u = ready();
    const s = settings();
    await expectGenuineAccepted(forge(HS256, claimsFor(u.id, 'user'), s.secret));
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(
      cases({ id: u.id, secret: s.secret, issuer: s.issuer, audience: s.audience, now }),
      rule,
    );
  });
}

refusedTokens('alg-none-refused', 'R7: only HS256, never none', ({ id, secret }) => {
  const claims = claimsFor(id, 'user');
  return [
    { what: 'unsigned with "alg": "none"', token: forge({ alg: 'none', typ: 'JWT' }, claims, null) },
    { what: 'unsigned with "alg": "None"', token: forge({ alg: 'None', typ: 'JWT' }, claims, null) },
    { what: 'unsigned with "alg": "NONE"', token: forge({ alg: 'NONE' }, claims, null) },
    {
      what: '"alg": "none" keeping a valid HS256 signature',
      token: `${forge({ alg: 'none', typ: 'JWT' }, claims, null)}${forge(HS256, claims, secret).split('.')[2]}`,
    },
  ];
});

refusedTokens('alg-switch-refused', 'R7: only HS256', ({ id, secret }) => [
  {
    what: 'signed with the secret but "alg": "HS384"',
    token: forge({ alg: 'HS384', typ: 'JWT' }, claimsFor(id, 'user'), secret),
  },
  {
    what: 'signed with the secret but "alg": "HS512"',
    token: forge({ alg: 'HS512', typ: 'JWT' }, claimsFor(id, 'user'), secret),
  },
]);

rubricTest(rubric, 'signature-checked', async () => {
  const u = ready();
  const s = settings();
  const genuine = (await relogin(0, u, 'a login, for a fresh access token (R4)')).accessToken;
  await expectGenuineAccepted(genuine);
  const [head, , sig] = genuine.split('.');
  const payload = claimsOf(genuine);
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const tampered = (over: Record<string, unknown>) => `${head}.${b64({ ...payload, ...over })}.${sig}`;
  const cases = [
    {
      what: 'its own payload with "sub" changed, under the old signature',
      token: tampered({ sub: `${u.id}0` }),
    },
    {
      what: 'its own payload with "role": "admin", under the old signature',
      token: tampered({ role: 'admin' }),
    },
    {
      what: 'its own payload with "exp" a day later, under the old signature',
      token: tampered({ exp: Number(payload.exp) + 86_400 }),
    },
    { what: 'signed with another secret', token: forge(HS256, claimsFor(u.id, 'user'), `${s.secret}x`) },
    { what: 'signed with an empty secret', token: forge(HS256, claimsFor(u.id, 'user'), '') },
    { what: 'its signature cut off', token: `${head}.${payload ? b64(payload) : ''}.` },
  ];
  await expectRefused(cases, 'R7: the signature verifies with JWT_SECRET');
  const escalated = tampered({ role: 'admin' });
  expectStatus(
    await adminUsers(0, escalated, 'its own payload with "role": "admin", under the old signature'),
    [401],
    'a role escalated in the payload, on GET /admin/users (R7)',
  );
});

refusedTokens('iss-checked', 'R7: iss is JWT_ISSUER', ({ id, secret, issuer }) => [
  {
    what: 'signed with the secret, another "iss"',
    token: forge(HS256, claimsFor(id, 'user', { iss: `${issuer}.evil.test` }), secret),
  },
]);

refusedTokens('aud-checked', 'R7: aud is JWT_AUDIENCE', ({ id, secret, audience }) => [
  {
    what: 'signed with the secret, another "aud"',
    token: forge(HS256, claimsFor(id, 'user', { aud: `${audience}-other` }), secret),
  },
  {
    what: 'signed with the secret, no "aud"',
    token: forge(HS256, claimsFor(id, 'user', { aud: undefined }), secret),
  },
]);

refusedTokens('nbf-checked', 'R7: nbf not in the future', ({ id, secret, now }) => [
  {
    what: 'signed with the secret, "nbf" a minute ahead',
    token: forge(HS256, claimsFor(id, 'user', { nbf: now + 60 }), secret),
  },
]);

rubricTest(rubric, 'bearer-header-only', async () => {
  const u = ready();
  const token = (await relogin(1, u, 'a login, for a fresh access token (R4)')).accessToken;
  await expectGenuineAccepted(token);
  const shown = { Authorization: '<as described>' };
  const cases: { what: string; headers: Record<string, string>; query?: Record<string, string> }[] = [
    {
      what: 'the token only in the query string (?access_token=)',
      headers: {},
      query: { access_token: token },
    },
    { what: 'the token only in the query string (?token=)', headers: {}, query: { token } },
    { what: 'Authorization: Bearer (no token)', headers: { Authorization: 'Bearer' } },
    { what: 'Authorization: Bearer followed by spaces', headers: { Authorization: 'Bearer    ' } },
    { what: 'Authorization: <the token> (no scheme)', headers: { Authorization: token } },
    { what: 'Authorization: Basic <the token>', headers: { Authorization: `Basic ${token}` } },
    {
      what: 'Authorization: Bearer <the token> <the token>',
      headers: { Authorization: `Bearer ${token} ${token}` },
    },
    { what: 'Authorization: Bearer not.a.jwt', headers: { Authorization: 'Bearer not.a.jwt' } },
    { what: 'Authorization: Bearer %%%.%%%.%%%', headers: { Authorization: 'Bearer %%%.%%%.%%%' } },
    {
      what: 'Authorization: Bearer with a header part that is not JSON',
      headers: { Authorization: `Bearer e30x.${token.split('.')[1]}.${token.split('.')[2]}` },
    },
  ];
  for (const c of cases) {
    const ex: Exchange = await api(1).get('/me', {
      headers: c.headers,
      ...(c.query ? { query: c.query } : {}),
      ...(Object.keys(c.headers).length ? { shownHeaders: shown } : {}),
    });
    expectStatus(ex, [401], `a request with ${c.what} (R7)`);
  }
});
