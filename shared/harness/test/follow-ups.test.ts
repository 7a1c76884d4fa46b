import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { followUpProblems, MAX_QUESTIONS, parseFollowUps, pickQuestions } from '../src/follow-ups.ts';
import { writeOutputs } from '../src/report/formats.ts';
import { sampleResult } from './sample-result.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The sample result lost no-js-scheme (3 points) and parts of throughput and p99; its band is junior.
const TEXT = `# Follow-up questions: sample

Prose for the author is ignored.

## no-js-scheme
- Which schemes would you allow, and why not a deny-list?
- What does a <script> in a title do
  in your report?
## throughput
- Where does a redirect spend its time?
## p99
- What makes one request in a hundred slow?
## creates
- How do you create a link?
## bad-json
- Where is the body parsed?
## unique-codes
- How are codes generated?
## redis-down
- What happens without Redis?
## band none
- What does a shortener do?
## band junior
- What breaks with two instances?
- How would you count clicks exactly?
## band mid
- What when Redis goes away?
## band senior
- Two regions?
`;

describe('follow-up questions', () => {
  test('when follow-ups.md is parsed, then each item and band gets its bullets, continued lines joined', () => {
    const f = parseFollowUps(TEXT);
    expect(f.items.get('no-js-scheme')).toEqual([
      'Which schemes would you allow, and why not a deny-list?',
      'What does a <script> in a title do in your report?',
    ]);
    expect(f.bands.get('junior')).toHaveLength(2);
    expect(() => parseFollowUps('## band expert\n- ?\n')).toThrow(/no band "expert"/);
  });

  test('when they are compared with the rubric, then a missing item, a missing band and an unknown heading are each named', () => {
    const f = parseFollowUps(`${TEXT}\n## gone\n- ?\n`);
    f.bands.delete('senior');
    expect(
      followUpProblems(f, [
        'creates',
        'bad-json',
        'no-js-scheme',
        'unique-codes',
        'redis-down',
        'throughput',
        'p99',
        'new-item',
      ]),
    ).toEqual([
      'no follow-up questions for item "new-item"',
      'follow-ups for "gone", which no rubric item is',
      'no follow-up questions for band "senior"',
    ]);
  });

  test('when questions are picked, then lost items come first, most points lost first, then the band’s, five at most', () => {
    const picked = pickQuestions(sampleResult(), parseFollowUps(TEXT));
    expect(picked).toHaveLength(MAX_QUESTIONS);
    expect(picked.map((q) => ('item' in q.from ? q.from.item : `band ${q.from.band}`))).toEqual([
      'no-js-scheme',
      'throughput',
      'p99',
      'no-js-scheme',
      'band junior',
    ]);
  });
});

describe('review.html', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'bc-review-'));
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('when a reviewer opens it offline, then it says it is private, lists the questions with why each, and a line per category; no candidate report carries them', async () => {
    const f = parseFollowUps(TEXT);
    writeOutputs(sampleResult(), dir, f);
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(dir, 'review.html')).href);
    expect(await page.textContent('#private')).toContain('For the reviewer only');
    const items = page.locator('#questions li');
    expect(await items.count()).toBe(5);
    expect(await items.first().getAttribute('data-from')).toBe('no-js-scheme');
    expect(await items.first().textContent()).toContain(
      'it lost 3 point(s) on “when the URL is javascript:, then 400 <script>”',
    );
    // Markup in a question or a title stays text.
    expect(await page.locator('#questions script').count()).toBe(0);
    expect(await page.locator('#summary tr[data-category]').count()).toBe(6);
    expect(await page.locator('#summary tr[data-category="security"]').textContent()).toContain(
      'Missed: when the URL is javascript:',
    );
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    const questions = [...f.items.values(), ...f.bands.values()].flat();
    for (const file of readdirSync(dir).filter((n) => n !== 'review.html')) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(
        questions.filter((q) => text.includes(q)),
        file,
      ).toEqual([]);
    }
  });

  test('when a pull request’s grading writes its reports, then there is no review.html', () => {
    const out = mkdtempSync(join(tmpdir(), 'bc-review-pr-'));
    try {
      writeOutputs(sampleResult(), out);
      expect(readdirSync(out)).not.toContain('review.html');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
