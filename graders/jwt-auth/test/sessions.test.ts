import { api, fail, pool, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  account,
  expectPair,
  expectStatus,
  login,
  logout,
  me,
  refresh,
  settings,
  verified,
} from './steps/auth.ts';

rubricTest(rubric, 'refresh-rotates', async () => {
  const s = settings();
  const a = await account(0, 'rotate');
  let pair = a.pair;
  // Three generations, alternating instances: each new pair works, each spent token stays spent.
  for (let gen = 1; gen <= 3; gen++) {
    const ex = await refresh(gen % 2, pair.refreshToken, `the refresh token of generation ${gen - 1}`);
    const next = expectPair(ex, `a refresh with the newest refresh token (generation ${gen - 1}, R10)`);
    if (next.refreshToken === pair.refreshToken)
      fail(ex, 'a new refresh token, not the one sent (R10: rotation)');
    const c = verified(next.accessToken);
    if (!c || c.sub !== a.id || c.role !== 'user')
      fail(ex, `a new access token that verifies (R6) for "sub": "${a.id}"`);
    if (next.expiresIn !== s.accessTtl)
      fail(ex, `"expiresIn": ${s.accessTtl} (R10: the same shape as login's)`);
    const m = await me((gen + 1) % 2, next.accessToken, `the access token of generation ${gen}`);
    if (m.status !== 200) fail(m, '200 for the access token a refresh just issued (R10)');
    if (gen === 1) {
      // Replaying the spent one is refused; that also revokes the family (R10), so the chain
      // starts again from a new login.
      expectStatus(
        await refresh(0, pair.refreshToken, 'the refresh token of generation 0, already spent'),
        [401],
        'a refresh token that was already used once (R10: spent)',
      );
      pair = expectPair(await login(0, a.email, a.password), 'a new login after the replay (R4)');
      continue;
    }
    pair = next;
  }
});

rubricTest(rubric, 'refresh-reuse-revokes-family', async () => {
  const a = await account(0, 'reuse');
  const second = expectPair(
    await refresh(1, a.pair.refreshToken, 'the first refresh token'),
    'a first refresh (R10)',
  );
  const third = expectPair(
    await refresh(0, second.refreshToken, 'the second refresh token'),
    'a second refresh (R10)',
  );
  expectStatus(
    await refresh(1, a.pair.refreshToken, 'the first refresh token, spent two refreshes ago'),
    [401],
    'a replayed refresh token (R10)',
  );
  expectStatus(
    await refresh(0, third.refreshToken, 'the newest refresh token of the family, never used'),
    [401],
    'the newest refresh token of a family whose spent token was replayed (R10: reuse revokes the family)',
  );
});

rubricTest(rubric, 'logout-revokes', async () => {
  const a = await account(0, 'logout');
  const ok = await me(0, a.pair.accessToken);
  if (ok.status !== 200) fail(ok, '200 for the access token before logout (R8)');
  expectStatus(await logout(0, a.pair.accessToken), [204], 'a logout with a valid access token (R11)');
  expectStatus(
    await me(0, a.pair.accessToken, 'the access token that logged out'),
    [401],
    'GET /me right after logout, same instance (R11)',
  );
  expectStatus(
    await refresh(0, a.pair.refreshToken, 'the refresh token of the session that logged out'),
    [401],
    'the refresh token of a session that logged out (R11)',
  );
});

rubricTest(rubric, 'logout-on-every-instance', async () => {
  for (let round = 0; round < 2; round++) {
    const a = await account(round, 'logout-everywhere', round);
    for (const i of [0, 1, 2].filter((k) => k !== round)) {
      const ok = await me(i, a.pair.accessToken);
      if (ok.status !== 200) fail(ok, `200 on instance ${'abc'[i]} before logout (R8)`);
    }
    expectStatus(
      await logout(round, a.pair.accessToken),
      [204],
      `a logout on instance ${'abc'[round]} (R11)`,
    );
    for (const i of [0, 1].filter((k) => k !== round))
      expectStatus(
        await me(i, a.pair.accessToken, `the access token that just logged out on instance ${'abc'[round]}`),
        [401],
        `GET /me on instance ${'abc'[i]} right after logout on ${'abc'[round]} (R11: on every instance at once)`,
      );
  }
});

/** Concurrent refreshes of one token in each race, over the three instances. */
const BURST = 12;
const ROUNDS = 10;

rubricTest(rubric, 'concurrent-refresh-once', async () => {
  // Many rounds: a race window of one round trip is not hit every time on a loaded machine.
  for (let round = 0; round < ROUNDS; round++) {
    const a = await account(round % 2, 'refresh-race', round);
    // Connections open first, so the refreshes arrive together rather than as sockets connect.
    await pool(BURST, BURST, (k) => api(k % 3).get('/healthz'));
    const xs = await pool(BURST, BURST, (k) =>
      refresh(k % 3, a.pair.refreshToken, `the same refresh token, sent ${BURST} times at once`),
    );
    const ok = xs.filter((x) => x.status === 200).length;
    const odd = xs.find((x) => x.status !== 200 && x.status !== 401);
    if (odd) fail(odd, `200 or 401 for each of ${BURST} concurrent refreshes of one token (R10)`);
    if (ok > 1)
      fail(
        xs.find((x) => x.status === 200)!,
        `at most one 200 among ${BURST} concurrent refreshes of one token over instances a, b and c (R10)`,
        `${ok} were 200.`,
      );
  }
});
