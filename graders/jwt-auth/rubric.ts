import { defineRubric } from '@bc/harness/kit';

/**
 * The JWT auth rubric: stable slugs (results are keyed by them), 100 points in all. `rules` are
 * the README rules (R1…) each item grades; the self-test checks they cover each other.
 */
export const rubric = defineRubric([
  // correctness — 28
  {
    slug: 'register-creates-account',
    title: 'when an account is registered, then 201 with its id, its email and role "user"',
    points: 4,
    category: 'correctness',
    visibility: 'visible',
    hint: 'POST /auth/register {email, password} → 201 {"id", "email", "role": "user"}.',
    rules: ['R1'],
  },
  {
    slug: 'login-issues-tokens',
    title:
      'when an account logs in (email in any case), then an HS256 access token with sub, role, jti, iat, exp, iss and aud, a refresh token and expiresIn',
    points: 5,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Sign with JWT_SECRET and HS256; exp = iat + ACCESS_TOKEN_TTL_SECONDS; iss = JWT_ISSUER; aud = JWT_AUDIENCE; sub is the id as a string; expiresIn = ACCESS_TOKEN_TTL_SECONDS.',
    rules: ['R4', 'R6'],
  },
  {
    slug: 'me-returns-account',
    title:
      'when GET /me carries a valid access token (the Bearer scheme in any case), then it answers that account on every instance',
    points: 3,
    category: 'correctness',
    visibility: 'visible',
    hint: 'GET /me → 200 {"id", "email", "role"} of the token\'s sub; "bearer" and "BEARER" name the same scheme (RFC 9110: schemes are case-insensitive).',
    rules: ['R7', 'R8'],
  },
  {
    slug: 'duplicate-email-409',
    title: 'when an email is registered again in another case, then 409 and the first account is untouched',
    points: 3,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'Compare emails case-insensitively: a unique index on lower(email) does it.',
    rules: ['R3'],
  },
  {
    slug: 'refresh-rotates',
    title:
      'when a refresh token is used, then a new pair comes back, the new tokens work, and the one used is spent',
    points: 5,
    category: 'correctness',
    visibility: 'hidden',
    hint: 'POST /auth/refresh {refreshToken} → 200 {accessToken, refreshToken, expiresIn}; mark the one sent as spent so it never works again.',
    rules: ['R10'],
  },
  {
    slug: 'refresh-token-expires',
    title:
      'when a refresh token is older than REFRESH_TOKEN_TTL_SECONDS, then refreshing with it is 401, and a rotated one lives that long from its own issue',
    points: 3,
    category: 'correctness',
    visibility: 'hidden',
    hint: "Store an expiry with each refresh token (issued + REFRESH_TOKEN_TTL_SECONDS) and check it when spending; a token from a refresh gets its own, not its parent's.",
    rules: ['R10'],
  },
  {
    slug: 'admin-sees-users',
    title:
      'when the configured admin logs in, then its token says admin and GET /admin/users lists every account; a user gets 403 and no token 401',
    points: 5,
    category: 'correctness',
    visibility: 'hidden',
    hint: "Create ADMIN_EMAIL with role admin at start-up (safely: instances start together); authorize on the token's role.",
    rules: ['R9'],
  },
  // robustness — 8
  {
    slug: 'bad-input-400',
    title:
      'when a body is not JSON, lacks a field, has a wrong type, an invalid email or a password outside 8–128 characters, then 400',
    points: 4,
    category: 'robustness',
    visibility: 'hidden',
    hint: 'Validate the body (zod or by hand) before anything else; the password policy is 8 to 128 characters.',
    rules: ['R2'],
  },
  {
    slug: 'error-json',
    title: 'when any error is answered (400, 401, 403, 404, 409, 429), then it is the error JSON',
    points: 4,
    category: 'robustness',
    visibility: 'visible',
    hint: 'Every error: content-type application/json and {"error": {"code", "message"}}; unknown routes 404.',
    rules: ['R14'],
  },
  // security — 34
  {
    slug: 'access-token-expires',
    title: 'when an access token is past its exp (waited out, or forged with the right secret), then 401',
    points: 3,
    category: 'security',
    visibility: 'hidden',
    hint: 'Check exp on every request (jsonwebtoken does unless told to ignore it), with at most 1 s of tolerance.',
    rules: ['R7'],
  },
  {
    slug: 'alg-none-refused',
    title: 'when a token says alg "none" (in any case, signed or not), then 401',
    points: 2,
    category: 'security',
    visibility: 'hidden',
    hint: 'Never skip verification because the header says "none"; pin the algorithm: jwt.verify(token, key, { algorithms: ["HS256"] }).',
    rules: ['R7'],
  },
  {
    slug: 'alg-switch-refused',
    title: 'when a token is signed with the secret under another HMAC algorithm (HS384, HS512), then 401',
    points: 2,
    category: 'security',
    visibility: 'hidden',
    hint: 'Pin the algorithm: jwt.verify(token, key, { algorithms: ["HS256"] }); never trust the header\'s alg.',
    rules: ['R7'],
  },
  {
    slug: 'signature-checked',
    title:
      'when a payload is changed under the old signature (another sub, role admin) or signed with another secret, then 401',
    points: 3,
    category: 'security',
    visibility: 'hidden',
    hint: 'Verify the signature before reading any claim; jwt.decode does not verify.',
    rules: ['R7'],
  },
  {
    slug: 'iss-checked',
    title: 'when a token signed with the secret has another iss, then 401',
    points: 1,
    category: 'security',
    visibility: 'hidden',
    hint: 'Pass the issuer to the verifier: jwt.verify(token, key, { issuer: JWT_ISSUER, … }).',
    rules: ['R7'],
  },
  {
    slug: 'aud-checked',
    title: 'when a token signed with the secret has another aud or none, then 401',
    points: 1,
    category: 'security',
    visibility: 'hidden',
    hint: 'Pass the audience to the verifier: jwt.verify(token, key, { audience: JWT_AUDIENCE, … }).',
    rules: ['R7'],
  },
  {
    slug: 'nbf-checked',
    title: 'when a token signed with the secret has an nbf a minute ahead, then 401',
    points: 1,
    category: 'security',
    visibility: 'hidden',
    hint: "Keep the verifier's nbf check (jsonwebtoken's ignoreNotBefore off); a hand-made verifier must compare nbf with now.",
    rules: ['R7'],
  },
  {
    slug: 'bearer-header-only',
    title:
      'when the token comes in the query string, or the Authorization header is malformed or of another scheme, then 401, never 500',
    points: 2,
    category: 'security',
    visibility: 'hidden',
    hint: 'Read only "Authorization: Bearer <token>"; anything else is a missing token.',
    rules: ['R7'],
  },
  {
    slug: 'role-from-server',
    title:
      'when a registration asks for role admin, then the account is a user: in the answer, in its token and on GET /me',
    points: 3,
    category: 'security',
    visibility: 'hidden',
    hint: 'Never copy a role (or any field beyond email and password) from the request body.',
    rules: ['R2'],
  },
  {
    slug: 'password-storage',
    title:
      'when a password is registered, then no text or JSON column holds it, and it is stored as bcrypt, scrypt or argon2 at the stated cost',
    points: 4,
    category: 'security',
    visibility: 'hidden',
    hint: 'bcrypt cost ≥ 10, scrypt ln ≥ 14 and r ≥ 8 ($scrypt$ln=…,r=…,p=…$salt$hash), or argon2 m ≥ 19456 and t ≥ 2. A fast hash (SHA-256) is not a KDF.',
    rules: ['R12'],
  },
  {
    slug: 'no-secrets-in-responses',
    title:
      'when accounts are registered, logged in and listed, then no response carries a hash or a password field',
    points: 2,
    category: 'security',
    visibility: 'hidden',
    hint: 'Select the columns you return; never SELECT * into a response.',
    rules: ['R12'],
  },
  {
    slug: 'no-user-enumeration',
    title: 'when a login has a wrong password or an unknown email, then both answer the same status and body',
    points: 3,
    category: 'security',
    visibility: 'hidden',
    hint: 'One error for both cases ("email or password is wrong"); no hint about which it was.',
    rules: ['R4'],
  },
  {
    slug: 'brute-force-429',
    title:
      'when one email has 5 failed logins from several addresses and instances, then its next login is 429 with Retry-After, and other emails are not affected',
    points: 3,
    category: 'security',
    visibility: 'hidden',
    hint: 'Count failures per lowercased email in Redis (shared by every instance), for existing and unknown emails alike.',
    rules: ['R5'],
  },
  {
    slug: 'refresh-reuse-revokes-family',
    title:
      'when a spent refresh token is replayed, then 401 and the newest token of its family is refused too',
    points: 2,
    category: 'security',
    visibility: 'hidden',
    hint: 'Keep a family id per login; a spent token coming back revokes the whole family.',
    rules: ['R10'],
  },
  {
    slug: 'logout-revokes',
    title: 'when an access token logs out, then it is 401 at once and its refresh token is refused',
    points: 2,
    category: 'security',
    visibility: 'hidden',
    hint: 'Revoke the jti (in Redis, until exp) and the refresh-token family.',
    rules: ['R11'],
  },
  // concurrency — 12
  {
    slug: 'logout-on-every-instance',
    title: 'when a token logs out on one instance, then the other instances refuse it at once',
    points: 4,
    category: 'concurrency',
    visibility: 'hidden',
    hint: "Revocations live in Redis, where every instance checks them; a Set in memory is one instance's.",
    rules: ['R11'],
  },
  {
    slug: 'concurrent-refresh-once',
    title: 'when one refresh token is sent many times at once to several instances, then at most one is 200',
    points: 4,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Spend it in one conditional statement (UPDATE … WHERE spent_at IS NULL RETURNING …), not a read then a write.',
    rules: ['R10'],
  },
  {
    slug: 'register-race-one-account',
    title:
      'when one email is registered many times at once on several instances, then exactly one is 201 and the rest 409',
    points: 4,
    category: 'concurrency',
    visibility: 'hidden',
    hint: 'Let a unique index on lower(email) decide (INSERT … ON CONFLICT, or catch 23505); a SELECT first does not.',
    rules: ['R3'],
  },
  // resilience — 10
  {
    slug: 'redis-down-refuses',
    title:
      'when Redis is reset or hangs, then GET /me, GET /admin/users and logout answer 503 within 1 s and never accept the token',
    points: 6,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'A revocation you cannot check is not "not revoked": refuse with 503. Set a command timeout and no offline queue so a hanging Redis cannot hang requests.',
    rules: ['R13'],
  },
  {
    slug: 'redis-recovery',
    title: 'when Redis comes back, then tokens are accepted again within 2 s',
    points: 4,
    category: 'resilience',
    visibility: 'hidden',
    hint: 'Keep reconnecting (ioredis does with a retryStrategy); do not give up after an outage.',
    rules: ['R13'],
  },
  // performance — 8
  {
    slug: 'me-throughput',
    title:
      'when GET /me is load-tested, then its throughput is at least 0.4× a bare verifying route (same run)',
    points: 4,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Make the secret a KeyObject once (crypto.createSecretKey); one Redis round trip per request; cache what never changes.',
    rules: ['R15'],
  },
  {
    slug: 'me-p99',
    title:
      'when GET /me is load-tested, then its p99 latency is at most 3× a bare verifying route (same run)',
    points: 4,
    category: 'performance',
    visibility: 'hidden',
    hint: 'Nothing slow on the hot path: no string secret, no database query per request.',
    rules: ['R15'],
  },
]);
