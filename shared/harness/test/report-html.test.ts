import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../src/graders.ts';
import { writeOutputs } from '../src/report/formats.ts';
import { type LeaderboardRow, leaderboardHtml } from '../src/report/leaderboard.ts';
import { sampleResult } from './sample-result.ts';

/** Debian's Chromium, which `scripts/setup.sh --test` installs; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots CI keeps as artifacts. */
export const ARTIFACTS = join(REPO_ROOT, '.artifacts');

let browser: Browser;
const dir = mkdtempSync(join(tmpdir(), 'bc-report-'));

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: run 'bash scripts/setup.sh --test' as root, or set CHROMIUM_PATH`,
    );
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report.html', () => {
  test('when a reviewer opens it offline, then they see the score, band, category chart, lost points with hints, load plots and the run', async () => {
    writeOutputs(sampleResult(), dir);
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const file = pathToFileURL(join(dir, 'report.html')).href;
    await page.goto(file);

    await expect.poll(() => page.textContent('#score')).toBe('23 / 29');
    expect(await page.textContent('#band')).toBe('band: junior');
    // One bar per category, each labelled with its points.
    const bars = page.locator('#categories g[data-category]');
    expect(await bars.count()).toBe(6);
    expect(await page.locator('#categories g[data-category="security"] .val').textContent()).toBe(
      '0 / 3 (0 %)',
    );
    // The lost item: what was sent, expected and got, and the hint; HTML in titles stays text.
    const lost = page.locator('tr.item[data-slug="no-js-scheme"]');
    expect(await lost.getAttribute('class')).toContain('failed');
    expect(await lost.locator('pre').textContent()).toContain('Got:      201 {"code":"aB3"}');
    expect(await lost.locator('.hint').textContent()).toBe('Hint: Allow http and https only.');
    expect(await lost.textContent()).toContain('then 400 <script>');
    expect(await page.locator('tr.item.partial').count()).toBe(2);
    // Throughput and p99 share one comparison: plotted once, each round's two bars in each plot.
    const perf = page.locator('#performance .perf');
    expect(await perf.count()).toBe(1);
    expect(await perf.locator('svg').count()).toBe(2);
    expect(await perf.locator('svg').first().locator('rect.candidate').count()).toBe(3);
    expect(await perf.locator('svg').first().locator('rect.baseline').count()).toBe(3);
    expect(await page.textContent('#candidate pre.log')).toContain('GET /r/aB3 302 <b>');
    const run = (await page.textContent('#run')) ?? '';
    expect(run).toContain('seed42');
    expect(run).toContain(`commit ${'a'.repeat(12)}`);
    expect(run).toContain('(uncommitted changes)');
    expect(await page.textContent('#isolation')).toBe('Isolation: isolated');
    expect(run).toContain('bwrap, network loopback-only');
    // Self-contained: the page asked for nothing but itself.
    expect(requests).toEqual([file]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report-html.png'), fullPage: true });
    process.stdout.write(`report.html screenshot: ${join(ARTIFACTS, 'report-html.png')}\n`);
  });

  test('when a reviewer clicks a category in leaderboard.html, then the submissions sort by it, and again reverses', async () => {
    const row = (name: string, score: number, perf: number): LeaderboardRow => ({
      name,
      status: 'graded',
      score,
      max: 100,
      band: 'mid',
      categories: { correctness: score - perf, performance: perf },
      seconds: 30,
      seed: 1,
      note: '',
    });
    const rows = [row('ann', 90, 2), row('ben', 70, 8), row('cat', 80, 5)];
    writeFileSync(join(dir, 'leaderboard.html'), leaderboardHtml(rows, 'url-shortener: leaderboard'));
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(dir, 'leaderboard.html')).href);
    const names = () => page.locator('#board tbody tr td:nth-child(2)').allTextContents();
    expect(await names()).toEqual(['ann', 'ben', 'cat']);
    await page.click('#board th:text-is("performance")');
    expect(await names()).toEqual(['ben', 'cat', 'ann']);
    await page.click('#board th:text-is("performance")');
    expect(await names()).toEqual(['ann', 'cat', 'ben']);
    await page.click('#board th:text-is("score")');
    expect(await names()).toEqual(['ann', 'cat', 'ben']);
    expect(await page.getAttribute('#board tbody tr:first-child a', 'href')).toBe('ann/report.html');
    await page.screenshot({ path: join(ARTIFACTS, 'leaderboard-html.png') });
  });

  test('when grading failed, then the page leads with why', async () => {
    const r = { ...sampleResult(), status: 'error' as const, reason: 'npm run build exited 2' };
    writeOutputs(r, dir);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    expect(await page.textContent('#error')).toBe('Could not be graded. npm run build exited 2');
  });
});
