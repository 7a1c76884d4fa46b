import {
  type Api,
  ContractError,
  describeExchange,
  type Exchange,
  eventually,
  fail,
  grading,
} from '@bc/harness/kit';

/** The candidate's BASE_URL for this run. */
export const baseUrl = (): string => grading().env.BASE_URL!.replace(/\/+$/, '');

/** A created short URL as the contract describes it. */
export interface Created {
  code: string;
  shortUrl: string;
  url: string;
  expiresAt: string | null;
}

const CODE = /^[A-Za-z0-9_-]+$/;

/** Assert `ex` is a 201 whose body honours the create contract for `sent`. */
export function expectCreated(
  ex: Exchange,
  sent: { url: string; alias?: string; expiresAt?: string },
): Created {
  const what = `201 with JSON {code, shortUrl, url, expiresAt} for url ${sent.url}${sent.alias ? ` and alias ${sent.alias}` : ''}`;
  if (ex.status !== 201) fail(ex, what);
  const b = ex.json as Partial<Created> | undefined;
  if (!b || typeof b !== 'object') fail(ex, `${what}; the body is not a JSON object`);
  if (typeof b.code !== 'string' || !CODE.test(b.code))
    fail(ex, `${what}; "code" must be a non-empty string of URL-safe characters [A-Za-z0-9_-]`);
  if (sent.alias !== undefined && b.code !== sent.alias)
    fail(ex, `${what}; "code" must equal the alias "${sent.alias}"`);
  if (b.shortUrl !== `${baseUrl()}/${b.code}`)
    fail(ex, `${what}; "shortUrl" must be exactly BASE_URL + "/" + code = ${baseUrl()}/${b.code}`);
  if (b.url !== sent.url) fail(ex, `${what}; "url" must echo the submitted URL unchanged`);
  if (sent.expiresAt === undefined) {
    if (b.expiresAt !== null) fail(ex, `${what}; "expiresAt" must be null when none was given`);
  } else if (typeof b.expiresAt !== 'string' || Date.parse(b.expiresAt) !== Date.parse(sent.expiresAt)) {
    fail(
      ex,
      `${what}; "expiresAt" must be the same instant as the one sent (${sent.expiresAt}), as an ISO 8601 string`,
    );
  }
  return b as Created;
}

/** Create a short URL, failing the test (as a setup step) when that does not work. */
export async function create(
  api: Api,
  body: { url: string; alias?: string; expiresAt?: string },
): Promise<Created> {
  try {
    return expectCreated(await api.post('/api/v1/urls', body), body);
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    // Say it was the set-up, so the candidate fixes creation rather than hunting in this behaviour.
    throw new ContractError(
      `Set-up failed: creating a short URL to test this with did not work.\n${e.message}`,
    );
  }
}

/** Assert `ex` is a 302 to exactly `url`. */
export function expectRedirect(ex: Exchange, url: string, extra = ''): void {
  if (ex.status !== 302 || ex.headers.location !== url) fail(ex, `302 with Location: ${url}${extra}`);
}

/** Assert a 4xx from `allowed` with the error JSON {"error": {"code", "message"}}. */
export function expectError(ex: Exchange, allowed: number[], why: string): void {
  const what = `${allowed.join(' or ')} with JSON {"error": {"code": string, "message": string}} (${why})`;
  if (!allowed.includes(ex.status)) fail(ex, what);
  if (!String(ex.headers['content-type'] ?? '').includes('application/json'))
    fail(ex, `${what}; content-type must be application/json`);
  const err = (ex.json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!err || typeof err.code !== 'string' || !err.code || typeof err.message !== 'string' || !err.message) {
    fail(ex, `${what}; the body does not have that shape`);
  }
}

/** Stats of `code`, checked against the contract. */
export async function stats(
  api: Api,
  code: string,
): Promise<{ ex: Exchange; clicks: number; body: Record<string, unknown> }> {
  const ex = await api.get(`/api/v1/urls/${code}/stats`);
  if (ex.status !== 200) fail(ex, `200 with JSON {code, url, clicks, createdAt, expiresAt} for code ${code}`);
  const body = ex.json as Record<string, unknown>;
  if (typeof body?.clicks !== 'number') fail(ex, '"clicks" to be a number');
  return { ex, clicks: body.clicks as number, body };
}

/**
 * Clicks may lag by at most 2 s: poll until they equal `expected`, then report what was last seen.
 * More clicks than hits is a failure at once.
 */
export async function expectClicks(api: Api, code: string, expected: number, context: string): Promise<void> {
  let last: Exchange | undefined;
  let lastClicks = -1;
  try {
    await eventually(
      async () => {
        const s = await stats(api, code);
        last = s.ex;
        lastClicks = s.clicks;
        if (s.clicks > expected) throw new Error('too many');
        if (s.clicks !== expected) throw new Error('not yet');
      },
      2500,
      100,
    );
  } catch (e) {
    if (!last) throw e;
    const over =
      lastClicks > expected ? ' (more clicks than requests: counted twice?)' : ' after waiting 2.5 s';
    fail(last, `clicks = ${expected} ${context}`, `Last seen clicks = ${lastClicks}${over}`);
  }
}

/** Run `n` tasks with at most `width` in flight (keeps hundreds of requests bounded). */
export async function pool<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

export { describeExchange };
