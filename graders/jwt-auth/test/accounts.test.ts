import { api, type Exchange, fail, pool, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  account,
  adminUsers,
  claimsOf,
  emailFor,
  expectErrorJson,
  expectPair,
  expectStatus,
  headerOf,
  login,
  me,
  passwordFor,
  register,
  settings,
  verified,
} from './steps/auth.ts';

const sameEmail = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

rubricTest(rubric, 'register-creates-account', async () => {
  const email = emailFor('register');
  const ex = await register(0, { email, password: passwordFor('register') });
  const b = ex.json as Record<string, unknown> | undefined;
  if (ex.status !== 201) fail(ex, '201 for a new account (R1)');
  if (!b || !sameEmail(b.email, email) || b.role !== 'user')
    fail(ex, `{"id", "email": "${email}" (or lowercased), "role": "user"} (R1)`);
  if (!((typeof b.id === 'string' && b.id !== '') || typeof b.id === 'number'))
    fail(ex, '"id" a non-empty string or a number (R1)');
});

rubricTest(rubric, 'login-issues-tokens', async () => {
  const s = settings();
  const email = emailFor('login');
  const password = passwordFor('login');
  const r = await register(0, { email, password });
  if (r.status !== 201) fail(r, '201 for registering the account that then logs in (R1)');
  const id = String((r.json as { id?: unknown }).id);
  const ex = await login(1, email.toUpperCase(), password);
  const pair = expectPair(ex, 'a login with the right password and the email in upper case (R4)');
  if (pair.expiresIn !== s.accessTtl) fail(ex, `"expiresIn": ${s.accessTtl} (ACCESS_TOKEN_TTL_SECONDS, R4)`);
  const header = headerOf(pair.accessToken);
  if (header.alg !== 'HS256') fail(ex, 'an access token whose header says "alg": "HS256" (R6)');
  const c = verified(pair.accessToken);
  if (!c)
    fail(
      ex,
      'an access token that verifies with JWT_SECRET, HS256, iss = JWT_ISSUER and aud = JWT_AUDIENCE (R6)',
      `Its claims: ${JSON.stringify(claimsOf(pair.accessToken))}`,
    );
  const shown = `Its claims: ${JSON.stringify({ ...c, iat: '…', exp: '…', jti: '…' })}`;
  if (c.sub !== id) fail(ex, `"sub": "${id}", the id register answered, as a string (R6)`, shown);
  if (c.role !== 'user') fail(ex, '"role": "user" in the access token (R6)', shown);
  if (typeof c.jti !== 'string' || c.jti === '') fail(ex, 'a "jti" claim (R6)', shown);
  if (typeof c.iat !== 'number' || c.exp !== c.iat + s.accessTtl)
    fail(ex, `"exp" = "iat" + ${s.accessTtl} (ACCESS_TOKEN_TTL_SECONDS, R6)`, shown);
  if (c.aud !== s.audience) fail(ex, `"aud": "${s.audience}", a string (R6)`, shown);
  const again = expectPair(await login(1, email, password), 'a second login (R4)');
  if (claimsOf(again.accessToken).jti === c.jti) fail(ex, 'a different "jti" in every access token (R6)');
});

rubricTest(rubric, 'me-returns-account', async () => {
  const a = await account(0, 'me');
  // R7: the scheme is case-insensitive (RFC 9110), as clients send it.
  for (const [i, scheme] of [
    [0, 'Bearer'],
    [1, 'Bearer'],
    [0, 'bearer'],
    [1, 'BEARER'],
  ] as const) {
    const ex = await api(i).get('/me', {
      headers: { Authorization: `${scheme} ${a.pair.accessToken}` },
      shownHeaders: { Authorization: `${scheme} <the account's access token>` },
    });
    const b = ex.json as Record<string, unknown> | undefined;
    if (ex.status !== 200 || !b || String(b.id) !== a.id || !sameEmail(b.email, a.email) || b.role !== 'user')
      fail(
        ex,
        `200 {"id": ${JSON.stringify(a.id)}, "email": "${a.email}", "role": "user"} (R8), with the scheme written "${scheme}" (R7: in any case)`,
      );
  }
});

rubricTest(rubric, 'duplicate-email-409', async () => {
  const email = emailFor('duplicate');
  const password = passwordFor('duplicate');
  expectStatus(await register(0, { email, password }), [201], 'a new account (R1)');
  const upper = email.replace(/^./, (ch) => ch.toUpperCase()).replace('@grader', '@GRADER');
  expectStatus(
    await register(1, { email: upper, password: `${password}-other` }),
    [409],
    `registering ${upper} after ${email} (R3)`,
  );
  expectStatus(await register(0, { email, password }), [409], `registering ${email} twice (R3)`);
  expectPair(
    await login(0, email, password),
    'a login with the first password, after the refused duplicates (R3)',
  );
});

rubricTest(rubric, 'admin-sees-users', async () => {
  const s = settings();
  const user = await account(0, 'admin-list');
  const ex = await login(1, s.adminEmail, s.adminPassword);
  const pair = expectPair(ex, 'a login of ADMIN_EMAIL with ADMIN_PASSWORD (R9)');
  if (verified(pair.accessToken)?.role !== 'admin')
    fail(ex, 'an access token with "role": "admin" for the admin (R9)');
  const list = await adminUsers(0, pair.accessToken, "the admin's access token");
  const rows = list.json as Record<string, unknown>[] | undefined;
  if (list.status !== 200 || !Array.isArray(rows)) fail(list, '200 with a JSON array of accounts (R9)');
  for (const [email, role] of [
    [user.email, 'user'],
    [s.adminEmail, 'admin'],
  ] as const) {
    const row = rows.find((r) => sameEmail(r.email, email));
    if (!row || row.role !== role || (row.id === undefined && row.id !== 0))
      fail(list, `an entry {"id", "email": "${email}", "role": "${role}"} in the list (R9)`);
  }
  expectStatus(await adminUsers(1, user.pair.accessToken, "a user's access token"), [403], 'a user (R9)');
  expectStatus(await api(0).get('/admin/users'), [401], 'no token (R9)');
});

rubricTest(rubric, 'role-from-server', async () => {
  const email = emailFor('role');
  const password = passwordFor('role');
  const r = await register(0, { email, password, role: 'admin' });
  if (r.status !== 201) fail(r, '201: a "role" in the body is ignored, not an error (R2)');
  if ((r.json as { role?: unknown }).role !== 'user') fail(r, '"role": "user" whatever the body asked (R2)');
  const ex = await login(0, email, password);
  const pair = expectPair(ex, 'a login of that account (R4)');
  // Its role as the server holds it: whether /admin/users checks roles is admin-sees-users'.
  if (claimsOf(pair.accessToken).role !== 'user')
    fail(ex, 'an access token with "role": "user" for an account that asked for admin at registration (R2)');
  const self = await me(1, pair.accessToken, 'its access token');
  if ((self.json as { role?: unknown } | undefined)?.role !== 'user')
    fail(self, '"role": "user" on GET /me for an account that asked for admin at registration (R2)');
});

rubricTest(rubric, 'register-race-one-account', async () => {
  for (let round = 0; round < 3; round++) {
    const email = emailFor('race', round);
    const password = passwordFor('race');
    await pool(8, 8, (k) => api(k % 2).get('/healthz'));
    const xs = await pool(8, 8, (k) => register(k % 2, { email, password }));
    const created = xs.filter((x) => x.status === 201).length;
    const odd = xs.find((x) => x.status !== 201 && x.status !== 409);
    if (odd) fail(odd, `201 or 409 for 8 registrations of ${email} at once over instances a and b (R3)`);
    if (created !== 1) {
      const ex = xs.find((x) => x.status === 201) ?? xs[0]!;
      fail(ex, `exactly one 201 among 8 registrations of ${email} at once (R3)`, `${created} were 201.`);
    }
  }
});

const MALFORMED: { what: string; body?: string; json?: unknown }[] = [
  { what: 'a body that is not JSON', body: '{"email": "x@y.test", "password": ' },
  { what: 'no password', json: { email: 'missing@grader.test' } },
  { what: 'no email', json: { password: 'long-enough-1' } },
  { what: 'a number as the password', json: { email: 'num@grader.test', password: 123456789 } },
  { what: 'an email without @', json: { email: 'not-an-email', password: 'long-enough-1' } },
  { what: 'a password of 7 characters', json: { email: 'short@grader.test', password: 'abcdef7' } },
  { what: 'a password of 129 characters', json: { email: 'long@grader.test', password: 'p'.repeat(129) } },
];

rubricTest(rubric, 'bad-input-400', async () => {
  for (const m of MALFORMED) {
    const ex =
      m.body !== undefined
        ? await api(0).postRaw('/auth/register', m.body, { 'content-type': 'application/json' })
        : await register(0, m.json);
    expectStatus(ex, [400], `a registration with ${m.what} (R2)`);
  }
  const edge = emailFor('policy-edge');
  expectStatus(
    await register(1, { email: edge, password: 'p'.repeat(128) }),
    [201],
    'a password of 128 characters (R2)',
  );
  expectStatus(
    await register(1, { email: emailFor('policy-edge', 1), password: 'abcdefg8' }),
    [201],
    'a password of 8 characters (R2)',
  );
  for (const m of MALFORMED.slice(0, 4)) {
    const ex =
      m.body !== undefined
        ? await api(1).postRaw('/auth/login', m.body, { 'content-type': 'application/json' })
        : await api(1).post('/auth/login', m.json);
    expectStatus(ex, [400], `a login with ${m.what} (R2)`);
  }
  expectStatus(await api(0).post('/auth/refresh', {}), [400], 'a refresh without "refreshToken" (R2)');
});

rubricTest(rubric, 'error-json', async () => {
  const user = await account(0, 'errors');
  const checks: [string, Exchange][] = [
    ['a 400 (R2)', await register(0, { email: 'nope' })],
    ['a 401 without a token (R7)', await api(0).get('/me')],
    ['a 401 for bad credentials (R4)', await login(0, user.email, `${user.password}-wrong`)],
    ['a 403 (R9)', await adminUsers(0, user.pair.accessToken, "a user's access token")],
    ['a 409 (R3)', await register(0, { email: user.email, password: user.password })],
    ['a 404 for an unknown route (R14)', await api(0).get('/no/such/route')],
  ];
  const locked = emailFor('errors-locked');
  let last: Exchange | undefined;
  for (let k = 0; k < 6; k++) last = await login(0, locked, 'wrong-password-1');
  checks.push(['the 6th failed login of one email (R5)', last!]);
  // A success where an error belongs is the item of that rule's to grade, not this one's; every
  // other answer (an error, or none at all) must be the error JSON.
  for (const [what, ex] of checks) if (ex.status < 200 || ex.status >= 400) expectErrorJson(ex, what);
});
