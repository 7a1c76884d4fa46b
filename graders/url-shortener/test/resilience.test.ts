import { api, control, type Exchange, fail, grading, rubricTest, seeded } from '@bc/harness/kit';
import { afterEach } from 'vitest';
import { rubric } from '../rubric.ts';
import { create, expectClicks, expectCreated, expectError, expectRedirect } from './steps/urls.ts';

const BOUND_MS = 1500;

afterEach(async () => {
  await control.fault('redis', { mode: 'up' });
});

function withinBound(ex: Exchange, what: string): void {
  if (ex.ms > BOUND_MS) fail(ex, `${what} within ${BOUND_MS} ms while Redis is unavailable`);
}

async function redirectsSurvive(
  links: { code: string; url: string }[],
  phase: string,
  unknown: string,
): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (const [i, l] of links.entries()) {
      const ex = await api(i % 2).get(`/${l.code}`);
      expectRedirect(ex, l.url, ` (${phase})`);
      withinBound(ex, 'a redirect');
    }
  }
  const ex = await api(0).get(`/${unknown}`);
  expectError(ex, [404], `an unknown code (${phase})`);
  withinBound(ex, 'a 404');
}

rubricTest(
  rubric,
  'redis-outage-fallback',
  async () => {
    const r = seeded('redis-outage-fallback');
    const links = await Promise.all(
      [0, 1, 2].map(async () => {
        const url = r.url();
        return { url, code: (await create(api(0), { url })).code };
      }),
    );
    // Warm whatever cache the service has.
    for (const l of links) expectRedirect(await api(0).get(`/${l.code}`), l.url);

    await control.fault('redis', { mode: 'down' });
    await redirectsSurvive(links, 'Redis connections reset and refused', `gone${r.word(8)}`);
    const body = { url: r.url() };
    const created = await api(1).post('/api/v1/urls', body);
    withinBound(created, 'a create');
    const { code } = expectCreated(created, body);
    expectRedirect(await api(0).get(`/${code}`), body.url, ' (created while Redis was down)');

    await control.fault('redis', { mode: 'blackhole' });
    await redirectsSurvive(links, 'Redis accepts connections but never answers', `hung${r.word(8)}`);
  },
  { timeout: 60_000 },
);

rubricTest(
  rubric,
  'redis-recovery-no-lost-clicks',
  async () => {
    const r = seeded('redis-recovery-no-lost-clicks');
    const url = r.url();
    const { code } = await create(api(0), { url });
    const hit = async (phase: string) => {
      for (let i = 0; i < 5; i++) expectRedirect(await api(i % 2).get(`/${code}`), url, ` (${phase})`);
    };
    await hit('before the outage');
    await control.fault('redis', { mode: 'down' });
    await hit('during the outage');
    await control.fault('redis', { mode: 'up' });
    // Give clients time to reconnect before the last round.
    await new Promise((res) => setTimeout(res, 1500));
    await hit('after Redis came back');
    await expectClicks(api(0), code, 15, '(5 before, 5 during and 5 after a Redis outage)');
  },
  { timeout: 60_000 },
);

rubricTest(
  rubric,
  'restart-loses-nothing',
  async () => {
    const r = seeded('restart-loses-nothing');
    const links = [
      { url: r.url(), via: 0, hits: 7 },
      { url: r.url(), via: 1, hits: 5 },
    ];
    const made = [];
    for (const l of links) {
      const { code } = await create(api(l.via), { url: l.url });
      for (let i = 0; i < l.hits; i++) expectRedirect(await api(0).get(`/${code}`), l.url);
      made.push({ ...l, code });
    }
    const id = grading().instances[0]!.id;
    await control.restart(id, 'SIGTERM');
    for (const m of made) {
      expectRedirect(await api(0).get(`/${m.code}`), m.url, ' (after instance a was restarted)');
      await expectClicks(
        api(0),
        m.code,
        m.hits + 1,
        `after ${m.hits} redirects before a SIGTERM restart and 1 after`,
      );
    }
  },
  { timeout: 60_000 },
);
