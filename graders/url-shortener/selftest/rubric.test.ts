import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORIES } from '@bc/harness';
import { describe, expect, test } from 'vitest';
import { rubric } from '../rubric.ts';
import { graderDir } from './paths.ts';

function slugsInTests(): string[] {
  const dir = join(graderDir, 'test');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .flatMap((f) =>
      [...readFileSync(join(dir, f), 'utf8').matchAll(/rubricTest\(\s*rubric,\s*'([^']+)'/g)].map(
        (m) => m[1]!,
      ),
    );
}

describe('url-shortener rubric', () => {
  test('when the rubric and the hidden tests are compared, then they match one to one', () => {
    const inTests = slugsInTests();
    expect(new Set(inTests).size).toBe(inTests.length);
    expect([...inTests].sort()).toEqual(rubric.map((r) => r.slug).sort());
  });

  test('when points are added up, then they make 100 and every category is a known one', () => {
    expect(rubric.reduce((s, r) => s + r.points, 0)).toBe(100);
    for (const r of rubric) expect(CATEGORIES).toContain(r.category);
    expect(new Set(rubric.map((r) => r.category)).size).toBe(CATEGORIES.length);
  });

  test('when the starter README is read, then it states the same points per category as the rubric', () => {
    const readme = readFileSync(join(graderDir, '../../challenges/url-shortener/README.md'), 'utf8');
    for (const c of CATEGORIES) {
      const points = rubric.filter((r) => r.category === c).reduce((s, r) => s + r.points, 0);
      expect(readme).toMatch(new RegExp(`\\|\\s*${c}\\s*\\|\\s*${points}\\s*\\|`));
    }
  });
});
