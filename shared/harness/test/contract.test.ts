import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { availableChallenges, DEFAULT_LIMITS, DEFAULT_TIMEOUTS, REPO_ROOT } from '../src/graders.ts';
import { ANSWER_BUDGET_MS, HUNG_AFTER } from '../src/instances.ts';
import { MANIFEST_TIMEOUT_CAPS } from '../src/languages/manifest.ts';
import { REQUEST_TIMEOUT_MS } from '../src/types.ts';

// The submission contract lives once, in docs/submission-contract.md; each challenge README
// carries its operational rules, and the harness's constants decide what they say.
const doc = readFileSync(join(REPO_ROOT, 'docs', 'submission-contract.md'), 'utf8');
const flat = (s: string): string => s.replace(/\s+/g, ' ').trim();
const sharedBlock = doc
  .split('<!-- shared-operational-rules:start -->')[1]!
  .split('<!-- shared-operational-rules:end -->')[0]!;
const sharedRules = sharedBlock
  .split(/\n(?=- )/)
  .map(flat)
  .filter((b) => b.startsWith('- '));
const words = ['zero', 'one', 'two', 'three', 'four', 'five'];

function operationalBlock(readme: string): string {
  const start = readme.indexOf('Operational rules (the same for every challenge):');
  if (start < 0) return '';
  const end = readme.indexOf('\n## ', start);
  return flat(readme.slice(start, end < 0 ? undefined : end));
}

describe('the submission contract', () => {
  test("when the contract's numbers are read, then they are the harness's own constants", () => {
    const text = flat(doc);
    const stated = [
      `grace period (${DEFAULT_TIMEOUTS.shutdownGrace / 1000} s)`,
      `no answer within ${REQUEST_TIMEOUT_MS / 1000} s fails`,
      `${DEFAULT_LIMITS.memoryMb} MB of memory`,
      `${DEFAULT_LIMITS.pids} processes`,
      `${DEFAULT_LIMITS.outputBytes / 1024 / 1024} MB of output`,
      `waits up to ${DEFAULT_TIMEOUTS.healthy / 1000} s`,
      `leaves ${words[HUNG_AFTER]} requests in a row unanswered`,
      `unanswered for ${ANSWER_BUDGET_MS / 1000} s of waiting in all`,
      `at most ${MANIFEST_TIMEOUT_CAPS.build} for the build and ${MANIFEST_TIMEOUT_CAPS.start} for start-up`,
    ];
    expect(stated.filter((s) => !text.includes(s))).toEqual([]);
    expect(sharedRules.length).toBeGreaterThanOrEqual(4);
  });

  test.each(availableChallenges())(
    "when the %s README's operational rules are read, then they carry every shared rule of the contract",
    (slug) => {
      const block = operationalBlock(readFileSync(join(REPO_ROOT, 'challenges', slug, 'README.md'), 'utf8'));
      expect(block, 'an "Operational rules (the same for every challenge):" block').not.toBe('');
      expect(sharedRules.filter((rule) => !block.includes(rule))).toEqual([]);
    },
  );
});
