import { hash32 } from '@bc/harness/util';

/** API keys per item: each test owns its keys, so no budget leaks from one test to the next. */
export const KEYS_PER_ITEM = 6;
const ITEMS = 24;

/** The run's valid API keys, derived from the seed so none can be hard-coded. */
export function apiKeys(seed: number): string[] {
  return Array.from(
    { length: KEYS_PER_ITEM * ITEMS },
    (_, i) => `rk_${(hash32(`${seed}:${i}`) >>> 0).toString(36)}${i.toString(36)}`,
  );
}
