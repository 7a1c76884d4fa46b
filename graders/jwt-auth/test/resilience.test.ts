import { setTimeout as sleep } from 'node:timers/promises';
import { control, type Exchange, type FaultMode, fail, rubricTest } from '@bc/harness/kit';
import { beforeAll } from 'vitest';
import { rubric } from '../rubric.ts';
import {
  type Account,
  account,
  adminUsers,
  claimsFor,
  claimsOf,
  expectPair,
  forge,
  login,
  logout,
  me,
  settings,
} from './steps/auth.ts';

/** README R13's 1 s, plus the margin it states for a loaded machine. */
const BOUND_MS = 1500;
/** README R13's 2 s, plus the same margin. */
const BACK_MS = 2500;

// A hang first, while the instances hold live connections (one still connecting after a reset
// would never get as far as a command).
const FAULTS: { mode: FaultMode; what: string }[] = [
  { mode: { mode: 'blackhole' }, what: 'Redis accepts connections but never answers' },
  { mode: { mode: 'down' }, what: 'Redis connections reset and refused' },
];

let user: Account;
let adminId: string;
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    user = await account(0, 'outage');
    const s = settings();
    const admin = expectPair(await login(1, s.adminEmail, s.adminPassword), 'the admin logging in (R9)');
    adminId = String(claimsOf(admin.accessToken).sub);
  } catch (e) {
    setupError = e as Error;
  }
});

/**
 * Tokens signed with the run's secret that outlive the outage (R7: any token meeting its
 * conditions is accepted): expiry must not be what refuses them.
 */
function tokens(): { user: string; admin: string } {
  if (setupError) throw setupError;
  const { secret } = settings();
  const exp = { exp: Math.floor(Date.now() / 1000) + 300 };
  const head = { alg: 'HS256', typ: 'JWT' };
  return {
    user: forge(head, claimsFor(user.id, 'user', exp), secret),
    admin: forge(head, claimsFor(adminId, 'admin', exp), secret),
  };
}

function expectRefusal(ex: Exchange, what: string): void {
  if (ex.networkError || ex.ms > BOUND_MS)
    fail(ex, `an answer within ${BOUND_MS} ms for ${what} (R13: 1 s, and 0.5 s of margin)`);
  if (ex.status !== 503)
    fail(ex, `503 for ${what} (R13: never accept a token whose revocation cannot be checked)`);
}

rubricTest(
  rubric,
  'redis-down-refuses',
  async () => {
    for (const f of FAULTS) {
      const { user: token, admin } = tokens();
      for (const i of [0, 1]) {
        const ok = await me(i, token, 'a valid access token');
        if (ok.status !== 200) fail(ok, `200 on instance ${'ab'[i]} before Redis goes away (R8)`);
      }
      await control.fault('redis', f.mode);
      for (const i of [0, 1]) {
        for (let k = 0; k < 2; k++)
          expectRefusal(
            await me(i, token, 'a valid access token', BOUND_MS + 1000),
            `GET /me on instance ${'ab'[i]} while ${f.what}`,
          );
        expectRefusal(
          await adminUsers(i, admin, "the admin's valid access token", BOUND_MS + 1000),
          `GET /admin/users on instance ${'ab'[i]} while ${f.what}`,
        );
      }
      const out = await logout(1, token, 'a valid access token', BOUND_MS + 1000);
      if (out.networkError || out.ms > BOUND_MS || out.status !== 503)
        fail(
          out,
          `503 within ${BOUND_MS} ms for a logout while ${f.what} (R13: a revocation that cannot be stored is refused)`,
        );
      await control.fault('redis', { mode: 'up' });
      await recover(token);
    }
  },
  { timeout: 60_000 },
);

/** Wait until instance b accepts a token again (redis-recovery grades how soon). */
async function recover(token: string): Promise<void> {
  const deadline = Date.now() + BACK_MS + 3000;
  while ((await me(1, token, 'a valid access token', BOUND_MS)).status !== 200 && Date.now() < deadline)
    await sleep(100);
}

rubricTest(
  rubric,
  'redis-recovery',
  async () => {
    for (const f of FAULTS) {
      const { user: token } = tokens();
      await control.fault('redis', f.mode);
      // Both instances notice the outage.
      await Promise.all([0, 1].map((i) => me(i, token, 'a valid access token', BOUND_MS + 1000)));
      await control.fault('redis', { mode: 'up' });
      const t0 = Date.now();
      for (const i of [0, 1]) {
        let last: Exchange;
        for (;;) {
          last = await me(i, token, 'a valid access token', BOUND_MS);
          if (last.status === 200) break;
          if (Date.now() - t0 > BACK_MS)
            fail(
              last,
              `200 on instance ${'ab'[i]} within ${BACK_MS} ms of Redis coming back from: ${f.what} (R13: 2 s, and 0.5 s of margin)`,
            );
          await sleep(100);
        }
      }
    }
  },
  { timeout: 60_000 },
);
