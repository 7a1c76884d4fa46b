import { setTimeout as sleep } from 'node:timers/promises';
import { fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  account,
  claimsFor,
  claimsOf,
  expectPair,
  expectStatus,
  forge,
  login,
  me,
  refresh,
  relogin,
  settings,
} from './steps/auth.ts';

// Lifetimes are waited out, so the two items wait side by side.

const HS256 = { alg: 'HS256', typ: 'JWT' };

rubricTest(
  rubric,
  'access-token-expires',
  async () => {
    const u = await account(0, 'access-expiry');
    const s = settings();
    const now = Math.floor(Date.now() / 1000);
    expectStatus(
      await me(
        0,
        forge(HS256, claimsFor(u.id, 'user', { iat: now - 120, exp: now - 60 }), s.secret),
        'a token signed with the secret, "exp" a minute ago',
      ),
      [401],
      'a token signed with the secret whose "exp" passed a minute ago (R7)',
    );
    // A real one, waited out: exp plus the 1 s tolerance R7 allows, plus a margin.
    const token = (await relogin(0, u, 'a login, for a fresh access token (R4)')).accessToken;
    const ok = await me(0, token, 'a freshly issued access token');
    if (ok.status !== 200) fail(ok, '200 for a genuine access token, before it expires (R8)');
    const exp = Number(claimsOf(token).exp);
    const wait = exp * 1000 + 2_500 - Date.now();
    if (wait > 0) await sleep(wait);
    for (const i of [0, 1])
      expectStatus(
        await me(i, token, 'an access token whose "exp" passed 2.5 s ago'),
        [401],
        `an access token ${s.accessTtl} s after it was issued, past its exp (R7)`,
      );
  },
  { timeout: 30_000, concurrent: true },
);

rubricTest(
  rubric,
  'refresh-token-expires',
  async () => {
    const s = settings();
    const a = await account(1, 'refresh-expiry');
    // Still good just before its lifetime is over, refused after it (and 1 s of tolerance).
    const t0 = Date.now();
    const spare = expectPair(await login(1, a.email, a.password), 'a second login (R4)');
    await sleep(Math.max(0, (s.refreshTtl - 2) * 1000 - (Date.now() - t0)));
    const rotated = expectPair(
      await refresh(0, a.pair.refreshToken, `a refresh token issued ${s.refreshTtl - 2} s ago`),
      `a refresh with a token ${s.refreshTtl - 2} s old, inside REFRESH_TOKEN_TTL_SECONDS = ${s.refreshTtl} (R10)`,
    );
    // The token that refresh gave lives REFRESH_TOKEN_TTL_SECONDS from its own issue: past its
    // parent's expiry (and the 1 s tolerance) it still works.
    await sleep(Math.max(0, (s.refreshTtl + 1.5) * 1000 - (Date.now() - t0)));
    expectPair(
      await refresh(1, rotated.refreshToken, 'the refresh token a refresh issued 3.5 s ago'),
      `a refresh with a token 3.5 s old whose parent was issued ${s.refreshTtl + 1.5} s ago: a rotated token lives REFRESH_TOKEN_TTL_SECONDS = ${s.refreshTtl} from its own issue, not its parent's (R10)`,
    );
    await sleep(Math.max(0, (s.refreshTtl + 2.5) * 1000 - (Date.now() - t0)));
    expectStatus(
      await refresh(0, spare.refreshToken, `a refresh token issued ${s.refreshTtl + 2.5} s ago, never used`),
      [401],
      `a refresh token ${s.refreshTtl + 2.5} s old, past REFRESH_TOKEN_TTL_SECONDS = ${s.refreshTtl} (R10)`,
    );
  },
  { timeout: 30_000, concurrent: true },
);
