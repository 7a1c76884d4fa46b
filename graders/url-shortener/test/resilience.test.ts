import { setTimeout as sleep } from 'node:timers/promises';
import { api, control, type Exchange, fail, grading, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  CLICK_LAG_MS,
  create,
  expectClicks,
  expectRedirectTo,
  expectStatus,
  seededUrl,
} from './steps/urls.ts';

const BOUND_MS = 1500;
/** How soon after Redis returns the service must use it again (README R13), plus a margin. */
const BACK_ON_REDIS_MS = 2000 + 500;

function withinBound(ex: Exchange, what: string): void {
  if (ex.ms > BOUND_MS) fail(ex, `${what} within ${BOUND_MS} ms of the request while Redis is unavailable`);
}

async function redirectsSurvive(links: { code: string; url: string }[], phase: string, unknown: string) {
  for (let round = 0; round < 3; round++) {
    for (const [i, l] of links.entries()) {
      const ex = await api(i % 2).get(`/${l.code}`);
      expectRedirectTo(ex, l.url, ` (${phase})`);
      withinBound(ex, 'a redirect');
    }
  }
  const ex = await api(0).get(`/${unknown}`);
  expectStatus(ex, [404], `an unknown code (${phase})`);
  withinBound(ex, 'a 404');
}

rubricTest(
  rubric,
  'redis-outage-fallback',
  async () => {
    const r = seeded('redis-outage-fallback');
    const links = [];
    for (let i = 0; i < 3; i++) {
      const url = seededUrl(r);
      links.push({ url, code: (await create(api(0), { url })).code });
    }
    // Warm whatever cache the service has.
    for (const l of links) expectRedirectTo(await api(0).get(`/${l.code}`), l.url);

    await control.fault('redis', { mode: 'down' });
    await redirectsSurvive(links, 'Redis connections reset and refused', `gone${r.word(8)}`);
    const body = { url: seededUrl(r) };
    const created = await api(1).post('/api/v1/urls', body);
    withinBound(created, 'a create');
    const code = (created.json as { code?: unknown } | undefined)?.code;
    if (created.status !== 201 || typeof code !== 'string')
      fail(created, '201 with a "code" while Redis is down');
    expectRedirectTo(await api(0).get(`/${code}`), body.url, ' (created while Redis was down)');

    // A hang from a healthy state: Redis back (R13's 2 s and its margin), the links served again,
    // then the open connections stop answering, so a request waits on a command sent to it.
    await control.fault('redis', { mode: 'up' });
    await sleep(BACK_ON_REDIS_MS);
    for (const i of [0, 1])
      for (const l of links)
        expectRedirectTo(await api(i).get(`/${l.code}`), l.url, ' (Redis back, before the hang)');
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
    const url = seededUrl(r);
    const { code } = await create(api(0), { url });
    // A second link, whose clicks are not counted, to see when each instance is back on Redis.
    const probeUrl = seededUrl(r);
    const probe = await create(api(0), { url: probeUrl });
    const hit = async (phase: string) => {
      for (let i = 0; i < 5; i++) expectRedirectTo(await api(i % 2).get(`/${code}`), url, ` (${phase})`);
    };
    const backOnRedis = async (): Promise<void> => {
      for (const i of [0, 1]) {
        const deadline = Date.now() + BACK_ON_REDIS_MS;
        for (;;) {
          const before = (await control.traffic('redis')).bytesToService;
          // A redirect and a create: a service may use Redis for either.
          const ex = await api(i).get(`/${probe.code}`);
          expectRedirectTo(ex, probeUrl, ' (a link used to see when Redis is used again)');
          await api(i).post('/api/v1/urls', { url: seededUrl(r) });
          if ((await control.traffic('redis')).bytesToService > before) break;
          if (Date.now() > deadline) {
            fail(
              ex,
              `instance ${'ab'[i]} to use Redis again within ${BACK_ON_REDIS_MS / 1000} s of it coming back`,
              'Redis received nothing from it while it served redirects: reconnect on your own.',
            );
          }
          await sleep(100);
        }
      }
    };
    await hit('before the outage');
    await control.fault('redis', { mode: 'down' });
    await hit('while Redis was reset and refused');
    await control.fault('redis', { mode: 'up' });
    await backOnRedis();
    await control.fault('redis', { mode: 'blackhole' });
    await hit('while Redis hung');
    await control.fault('redis', { mode: 'up' });
    await backOnRedis();
    await hit('after Redis came back');
    await expectClicks(
      api(0),
      code,
      20,
      '(5 before, 5 during a reset, 5 during a hang and 5 after a Redis outage)',
    );
  },
  { timeout: 60_000 },
);

rubricTest(
  rubric,
  'restart-loses-nothing',
  async () => {
    const r = seeded('restart-loses-nothing');
    const links = [
      { url: seededUrl(r), via: 0, hits: 7 },
      { url: seededUrl(r), via: 1, hits: 5 },
    ];
    const made = [];
    for (const l of links) {
      const { code } = await create(api(l.via), { url: l.url });
      for (let i = 0; i < l.hits; i++) expectRedirectTo(await api(0).get(`/${code}`), l.url);
      made.push({ ...l, code });
    }
    const id = grading().instances[0]!.id;
    await control.restart(id, 'SIGTERM');
    for (const m of made) {
      expectRedirectTo(await api(0).get(`/${m.code}`), m.url, ' (after instance a was restarted)');
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

rubricTest(
  rubric,
  'crash-keeps-clicks',
  async () => {
    const r = seeded('crash-keeps-clicks');
    const url = seededUrl(r);
    const { code } = await create(api(1), { url });
    const hits = 6;
    for (let i = 0; i < hits; i++) expectRedirectTo(await api(0).get(`/${code}`), url);
    // The README's bound (R19): clicks answered more than 2 s before a crash must survive it.
    await sleep(CLICK_LAG_MS + 500);
    const id = grading().instances[0]!.id;
    await control.restart(id, 'SIGKILL');
    await expectClicks(
      api(1),
      code,
      hits,
      `after ${hits} redirects on instance a, then a SIGKILL of a ${(CLICK_LAG_MS + 500) / 1000} s later`,
    );
  },
  { timeout: 60_000 },
);
