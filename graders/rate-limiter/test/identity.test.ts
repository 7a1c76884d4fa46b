import { api, type Exchange, expectErrorJson, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  addressOf,
  awayFromSlotEdge,
  expectAllowed,
  expectStatus,
  hit,
  keysOf,
  limits,
} from './steps/limits.ts';

/** Instance c trusts one proxy hop and has limits nobody reaches. */
const BEHIND_PROXY = 2;

const documentation = (r: ReturnType<typeof seeded>): string =>
  `${r.pick(['192.0.2', '198.51.100', '203.0.113'])}.${r.int(1, 254)}`;

rubricTest(
  rubric,
  'error-json',
  async () => {
    const { limit } = limits();
    const r = seeded('error-json');
    // Whatever status other items expect, every refusal must have the error shape (R15); the
    // statuses themselves are graded where they belong.
    const refusals: [Exchange, string][] = [];
    refusals.push([
      await hit(0, 'bucket', { key: `nokey_${r.word(10)}` }),
      'the answer to an unknown API key',
    ]);
    const [key] = keysOf('error-json');
    await awayFromSlotEdge();
    for (let i = 0; i < limit; i++) await hit(0, 'window', { key });
    refusals.push([await hit(0, 'window', { key }), `the answer to request ${limit + 1} in a window`]);
    const lost = await api(0).get(`/api/${r.word(8, 'abcdefghijklmnopqrstuvwxyz')}/resource`);
    expectStatus(lost, [404], 'an unknown route under /api');
    refusals.push([lost, 'the 404 of an unknown route']);
    const judged = refusals.filter(([ex]) => ex.status >= 400);
    if (judged.length < 2)
      fail(refusals[0]![0], 'a 401 for an unknown key or a 429 at the limit, to judge its body');
    for (const [ex, what] of judged) expectErrorJson(ex, what);
  },
  { concurrent: true },
);

rubricTest(
  rubric,
  'forwarded-for-edge-cases',
  async () => {
    const r = seeded('forwarded-for-edge-cases');
    const from = addressOf('forwarded-for-edge-cases');
    const none = await hit(BEHIND_PROXY, 'window', { from });
    expectAllowed(none, `a request from ${from} without X-Forwarded-For, with TRUST_PROXY=1`, `ip:${from}`);
    const padded = documentation(r);
    expectAllowed(
      await hit(BEHIND_PROXY, 'window', { from, forwardedFor: `   ${padded}  ` }),
      'an X-Forwarded-For entry padded with spaces, with TRUST_PROXY=1',
      `ip:${padded}`,
    );
    const chain = [documentation(r), documentation(r), documentation(r)];
    expectAllowed(
      await hit(BEHIND_PROXY, 'bucket', { from, forwardedFor: chain.join(',') }),
      `X-Forwarded-For: ${chain.join(',')} (three entries, no spaces) with TRUST_PROXY=1`,
      `ip:${chain[2]}`,
    );
  },
  { concurrent: true },
);

rubricTest(
  rubric,
  'unknown-key-401',
  async () => {
    const { limit } = limits();
    const r = seeded('unknown-key-401');
    const from = addressOf('unknown-key-401');
    const bogus = `rk_${r.word(12, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
    for (let i = 0; i < limit + 2; i++)
      expectStatus(
        await hit(0, 'window', { key: bogus, from }),
        [401],
        `unknown key "${bogus}" (request ${i + 1})`,
      );
    expectStatus(
      await hit(0, 'bucket', { key: bogus, from }),
      [401],
      `unknown key "${bogus}" on the bucket route`,
    );
    await awayFromSlotEdge();
    for (let i = 1; i <= limit; i++)
      expectAllowed(
        await hit(0, 'window', { from }),
        `request ${i} of ${limit} without a key from ${from}, after ${limit + 2} refused with an unknown key from there`,
        `ip:${from}`,
      );
  },
  { concurrent: true },
);

rubricTest(
  rubric,
  'key-one-budget',
  async () => {
    const { limit } = limits();
    const [shared, other] = keysOf('key-one-budget');
    await awayFromSlotEdge();
    for (let i = 0; i < limit; i++) {
      const from = addressOf('key-one-budget', i);
      expectAllowed(
        await hit(0, 'window', { key: shared, from }),
        `request ${i + 1} of key ${shared}, from ${from}`,
        `key:${shared}`,
      );
    }
    const fresh = addressOf('key-one-budget', limit);
    expectStatus(
      await hit(0, 'window', { key: shared, from: fresh }),
      [429],
      `request ${limit + 1} of key ${shared}, from a new address ${fresh} (one key, one budget)`,
    );
    expectAllowed(
      await hit(0, 'window', { key: other, from: fresh }),
      `another key ${other} from the same address`,
      `key:${other}`,
    );
  },
  { concurrent: true },
);

rubricTest(
  rubric,
  'forwarded-for-ignored',
  async () => {
    const { limit } = limits();
    const r = seeded('forwarded-for-ignored');
    const from = addressOf('forwarded-for-ignored');
    await awayFromSlotEdge();
    for (let i = 1; i <= limit; i++) {
      const forged = documentation(r);
      expectAllowed(
        await hit(0, 'window', { from, forwardedFor: forged }),
        `request ${i} of ${limit} from ${from} claiming X-Forwarded-For: ${forged}, with TRUST_PROXY=0`,
        `ip:${from}`,
      );
    }
    expectStatus(
      await hit(0, 'window', { from, forwardedFor: documentation(r) }),
      [429],
      `request ${limit + 1} from ${from} with yet another forged X-Forwarded-For`,
    );
  },
  { concurrent: true },
);

rubricTest(
  rubric,
  'forwarded-for-trusted-hop',
  async () => {
    const r = seeded('forwarded-for-trusted-hop');
    const from = addressOf('forwarded-for-trusted-hop');
    const forged = documentation(r);
    const real = documentation(r);
    expectAllowed(
      await hit(BEHIND_PROXY, 'window', { from, forwardedFor: `${forged}, ${real}` }),
      `X-Forwarded-For: ${forged}, ${real} with TRUST_PROXY=1 (the proxy appended ${real}; ${forged} is what the client claimed)`,
      `ip:${real}`,
    );
  },
  { concurrent: true },
);
