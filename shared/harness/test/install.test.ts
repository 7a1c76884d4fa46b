import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { installDependencies } from '../src/install.ts';
import { tempDir } from './temp-dir.ts';

const alternative = fileURLToPath(
  new URL('../../../graders/url-shortener/fixtures/alternative', import.meta.url),
);
const saved = process.env.GRADE_CACHE_DIR;

beforeAll(() => {
  process.env.GRADE_CACHE_DIR = mkdtempSync(join('/var/tmp', 'bc-cache-test-'));
});
afterAll(() => {
  rmSync(process.env.GRADE_CACHE_DIR!, { recursive: true, force: true });
  process.env.GRADE_CACHE_DIR = saved;
});

describe('dependency install', () => {
  test('when the same lockfile is installed twice, then the second run reuses the first, read-only tree', async () => {
    const work = join(tempDir('bc-install-'), 'w');
    cpSync(alternative, work, { recursive: true });
    const first = await installDependencies(work, { timeoutMs: 120_000 });
    expect(first).toMatchObject({ manager: 'npm', cached: false });
    expect(statSync(join(first.nodeModules!, 'pg', 'package.json')).isFile()).toBe(true);
    const second = await installDependencies(work, { timeoutMs: 120_000 });
    expect(second).toMatchObject({ manager: 'npm', cached: true, nodeModules: first.nodeModules });
    if (process.getuid?.() === 0) {
      // Installed as an unprivileged user, then handed to root: a candidate cannot tamper with it.
      expect(statSync(join(first.nodeModules!, 'pg', 'package.json')).uid).toBe(0);
    }
  });

  test('when a submission has no dependencies, then nothing is installed', async () => {
    const work = join(tempDir('bc-install-'), 'w');
    cpSync(fileURLToPath(new URL('./fixtures/hostile/net-probe', import.meta.url)), work, {
      recursive: true,
    });
    expect(await installDependencies(work, { timeoutMs: 10_000 })).toMatchObject({
      manager: 'none',
      nodeModules: null,
    });
  });
});

describe('dependency install with pnpm', () => {
  test('when the submission has a pnpm lockfile, then pnpm installs it frozen, as an unprivileged user', async () => {
    const work = join(tempDir('bc-install-'), 'w');
    cpSync(fileURLToPath(new URL('./fixtures/pnpm-lockfile', import.meta.url)), work, { recursive: true });
    const r = await installDependencies(work, { timeoutMs: 120_000 });
    expect(r).toMatchObject({ manager: 'pnpm', cached: false });
    expect(statSync(join(r.nodeModules!, 'ms', 'package.json')).isFile()).toBe(true);
    expect(await installDependencies(work, { timeoutMs: 120_000 })).toMatchObject({
      manager: 'pnpm',
      cached: true,
    });
  });
});
