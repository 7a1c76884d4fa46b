import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { grade } from '../src/grade.ts';
import { dockerImages, dockerUnavailable, RUN_LABEL, reapContainers } from '../src/provision/docker.ts';
import { provision } from '../src/provision/index.ts';
import { stableView } from '../src/testing.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
const why = dockerUnavailable(['postgres', 'redis']);
// A skip must say why where CI prints it: a silent skip reads as a pass.
if (why) process.stdout.write(`docker tests skipped: ${why}\n`);

const containersOf = (run: string): string[] =>
  spawnSync('docker', ['ps', '-aq', '--filter', `label=${RUN_LABEL}=${run}`], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);

describe.skipIf(why !== null)('services in Docker (--services docker)', () => {
  test('when a run provisions Postgres and Redis in Docker, then a query and a PING answer, the containers carry the run label, and stopping removes them', async () => {
    const run = `test${Date.now().toString(36)}-${process.pid}`;
    const started = Date.now();
    const p = await provision('docker', ['postgres', 'redis'], {
      runDir: '/tmp',
      markerEnv: { BC_GRADE_RUN: run },
    });
    const ms = Date.now() - started;
    try {
      const c = new pg.Client({ connectionString: p.services.postgres!.url });
      await c.connect();
      expect((await c.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n).toBe(1);
      await c.end();
      const r = new Redis(p.services.redis!.url);
      expect(await r.ping()).toBe('PONG');
      r.disconnect();
      expect(p.services.postgres!.description).toBe(
        `postgres in Docker (${dockerImages().BC_POSTGRES_IMAGE})`,
      );
      expect(containersOf(run)).toHaveLength(2);
    } finally {
      await p.stop();
    }
    expect(containersOf(run)).toEqual([]);
    process.stdout.write(`docker: Postgres and Redis ready in ${ms} ms\n`);
  });

  test('when a fixture grader runs with local services and with Docker services, then a seed gives the same result', async () => {
    const run = (services: 'local' | 'docker') =>
      grade({
        challenge: 'prepared',
        submission: join(fixtures, 'env-echo'),
        graderDir: join(fixtures, 'grader-prepared'),
        seed: 8,
        services,
      });
    const local = await run('local');
    const docker = await run('docker');
    expect(docker.services.postgres).toMatch(/in Docker/);
    expect(docker.tests[0]!.status, docker.tests[0]!.output).toBe('passed');
    expect(stableView(docker)).toEqual(stableView(local));
  });

  test.skipIf(spawnSync('docker-compose', ['version']).status !== 0)(
    'when compose.yaml is read with a challenge and a submission, then it runs the pinned grader image with services and sandbox in Docker',
    () => {
      const r = spawnSync('docker-compose', ['-f', join(root, 'docker', 'compose.yaml'), 'config'], {
        encoding: 'utf8',
        env: { ...process.env, CHALLENGE: 'url-shortener', SUBMISSION: '/srv/submission' },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`image: ${dockerImages().BC_GRADER_IMAGE}`);
      expect(r.stdout).toContain('/srv/submission:/submission:ro');
      expect(r.stdout.replace(/\s+- /g, ' ')).toContain(
        'url-shortener /submission --services docker --sandbox docker',
      );
    },
  );

  test("when a run's harness was killed, then the next run removes its containers", () => {
    const dead = `gone-999999999`;
    const id = spawnSync(
      'docker',
      ['create', '--label', `${RUN_LABEL}=${dead}`, dockerImages().BC_REDIS_IMAGE!],
      { encoding: 'utf8' },
    ).stdout.trim();
    expect(id).not.toBe('');
    expect(containersOf(dead)).toHaveLength(1);
    reapContainers();
    expect(containersOf(dead)).toEqual([]);
  });
});
