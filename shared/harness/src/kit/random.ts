import { hash32, rng, sleep } from '../util.ts';
import { grading } from './rubric-test.ts';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Inputs derived from the run's seed and a label: a submission cannot hard-code answers, and the
 * same seed reproduces the same inputs whatever order tests run in.
 */
export function seeded(label: string) {
  const next = rng((grading().seed ^ hash32(label)) >>> 0);
  const word = (n: number, alphabet = ALNUM): string =>
    Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  return {
    next,
    int: (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1)),
    word,
    /** One of `xs`. */
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

/** Retry `check` until it stops throwing or `timeoutMs` passes; rethrows the last failure. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() >= deadline) throw e;
      await sleep(intervalMs);
    }
  }
}
