import { ContractError, type Exchange, fail } from './http.ts';
import type { Comparison } from './load.ts';

/** Fail unless `ex` has one of `allowed` (or any 4xx); `why` says which request, or which rule. */
export function expectStatus(ex: Exchange, allowed: readonly number[] | '4xx', why: string): void {
  const ok = allowed === '4xx' ? ex.status >= 400 && ex.status < 500 : allowed.includes(ex.status);
  if (!ok) fail(ex, `${allowed === '4xx' ? 'a 4xx status' : allowed.join(' or ')} — ${why}`);
}

const ERROR_JSON = 'the error JSON {"error": {"code", "message"}}';

/** Whether `ex` carries the error JSON every challenge's README states (see expectErrorJson). */
export function isErrorJson(ex: Exchange): boolean {
  const mediaType = (ex.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const e = (ex.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return (
    mediaType === 'application/json' &&
    typeof e?.code === 'string' &&
    e.code !== '' &&
    typeof e.message === 'string' &&
    e.message !== ''
  );
}

/**
 * Fail unless `ex` has the error JSON of every challenge's README, at one strictness for all:
 * `content-type: application/json` (parameters allowed) and `{"error": {"code", "message"}}`, both
 * non-empty strings.
 */
export function expectErrorJson(ex: Exchange, why: string): void {
  if (!isErrorJson(ex)) fail(ex, `${ERROR_JSON} with content-type application/json — ${why}`);
}

/** Fail unless `ex` has one of `allowed` and the error JSON. */
export function expectError(ex: Exchange, allowed: readonly number[], why: string): void {
  if (!allowed.includes(ex.status)) fail(ex, `${allowed.join(' or ')} with ${ERROR_JSON} — ${why}`);
  expectErrorJson(ex, why);
}

/** A load measurement may miss at most this share of its requests (errors, timeouts, wrong status). */
export const LOAD_ERROR_SHARE = 0.01;

/**
 * Fail unless the candidate answered the load as expected: more than 1 % of its requests erring,
 * timing out or answering another status means the latency measured something else. `expected`
 * says what every answer should have been; `wrong` names what the rest were.
 */
export function expectLoadAnswered(c: Comparison, expected: string, wrong: string): Comparison {
  const missed = c.candidate.unexpected + c.candidate.errors;
  if (missed > c.candidate.requests * LOAD_ERROR_SHARE)
    throw new ContractError(
      `Expected: ${expected} under load\nGot:      ${missed} of ${c.candidate.requests} responses were errors or ${wrong}`,
    );
  return c;
}
