import {
  type Api,
  ContractError,
  type Exchange,
  eventually,
  fail,
  grading,
  type seeded,
} from '@bc/harness/kit';

/** The candidate's BASE_URL for this run. */
export const baseUrl = (): string => grading().env.BASE_URL!.replace(/\/+$/, '');

/** An https URL with path, query and fragment (already normalised) to check redirects are exact. */
export function seededUrl(r: ReturnType<typeof seeded>): string {
  return `https://${r.word(8, 'abcdefghijklmnopqrstuvwxyz')}.example.com/${r.word(6)}/${r.word(4)}?q=${r.word(5)}&n=${r.int(0, 999_999)}#${r.word(3)}`;
}

/**
 * Valid URLs that a URL parser would rewrite (case, default port, dot segments, escapes): a
 * service must store and echo them exactly as sent (R7).
 */
export function unnormalisedUrls(r: ReturnType<typeof seeded>): string[] {
  const host = r.word(6, 'abcdefghijklmnopqrstuvwxyz');
  return [
    `HTTPS://${host.toUpperCase()}.Example.COM/Path/${r.word(4)}`,
    `https://${host}.example.com:443/a/./b/../${r.word(4)}?x=%7e${r.word(2)}#Frag`,
    `http://${host}.example.org/${r.word(3)}?q=a+b&q=%41%42#`,
  ];
}

/** A created short URL as the contract describes it. */
export interface Created {
  code: string;
  shortUrl: string;
  url: string;
  expiresAt: string | null;
}

const CODE = /^[A-Za-z0-9_-]+$/;

/** Assert `ex` is a 201 whose body honours the whole create contract for `sent` (R7). */
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
  if (b.url !== sent.url) fail(ex, `${what}; "url" must echo the submitted URL exactly, byte for byte (R7)`);
  if (sent.expiresAt === undefined) {
    if (b.expiresAt !== null) fail(ex, `${what}; "expiresAt" must be null when none was given`);
  } else if (typeof b.expiresAt !== 'string' || Date.parse(b.expiresAt) !== Date.parse(sent.expiresAt)) {
    fail(ex, `${what}; "expiresAt" must be the same instant as the one sent, as an ISO 8601 string`);
  }
  return b as Created;
}

/**
 * Create a short URL as a step of another item: only a 201 and a usable code are needed here, so
 * a detail of the create response costs the create item alone. When even that fails, the
 * message says the set-up failed and which item grades creation.
 */
export async function create(
  api: Api,
  body: { url: string; alias?: string; expiresAt?: string },
  shownBody?: string,
): Promise<{ code: string }> {
  const ex = await api.request('POST', '/api/v1/urls', { json: body, ...(shownBody ? { shownBody } : {}) });
  const code = (ex.json as { code?: unknown } | undefined)?.code;
  if (ex.status === 201 && typeof code === 'string' && code) return { code };
  try {
    fail(ex, `201 with a JSON "code" for url ${body.url}`);
  } catch (e) {
    throw new ContractError(
      `Set-up failed: creating a short URL to test this with did not work (creation is graded by "create-short-url").\n${(e as Error).message}`,
    );
  }
}

/** Redirect statuses: any of them serves a step that only needs to follow the link. */
const REDIRECTS = [301, 302, 303, 307, 308];

/** Assert the exact contract of a redirect: 302 to exactly `url` (R8). */
export function expectRedirect(ex: Exchange, url: string, context = ''): void {
  if (ex.status !== 302 || ex.headers.location !== url) fail(ex, `302 with Location: ${url}${context}`);
}

/**
 * Assert a redirect to `url` as a step of another item: any redirect status serves (the exact
 * status is graded by "redirect-exact-location" alone).
 */
export function expectRedirectTo(ex: Exchange, url: string, context = ''): void {
  if (!REDIRECTS.includes(ex.status) || ex.headers.location !== url)
    fail(ex, `a redirect (3xx) with Location: ${url}${context}`);
}

// The kit's status and error-JSON checks (R16), at the strictness every challenge shares.
export { expectError, expectStatus } from '@bc/harness/kit';

/** Stats of `code`: a 200 with numeric clicks, or the item fails. */
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

/** The README's bound on how far clicks may lag behind redirects (R10). */
export const CLICK_LAG_MS = 2000;
/** Margin for a loaded 2-core machine on top of the bound. */
const LAG_MARGIN_MS = 500;
/**
 * Items that count clicks to grade something else (no lost updates, outages, restarts) wait
 * this long: lag beyond the bound costs the stats item alone.
 */
export const LENIENT_LAG_MS = 10_000;

/**
 * Poll stats until clicks equal `expected`; a last reading above it is reported as counted twice.
 * `withinMs` is the lag allowed: the README bound (plus margin) for the stats item, LENIENT_LAG_MS
 * elsewhere.
 */
export async function expectClicks(
  api: Api,
  code: string,
  expected: number,
  context: string,
  withinMs = LENIENT_LAG_MS,
): Promise<void> {
  let last: Exchange | undefined;
  let lastClicks = -1;
  const waitMs = withinMs === CLICK_LAG_MS ? CLICK_LAG_MS + LAG_MARGIN_MS : withinMs;
  try {
    await eventually(
      async () => {
        const s = await stats(api, code);
        last = s.ex;
        lastClicks = s.clicks;
        if (s.clicks > expected) throw new Error('too many');
        if (s.clicks !== expected) throw new Error('not yet');
      },
      waitMs,
      100,
    );
  } catch (e) {
    if (!last) throw e;
    const why =
      lastClicks > expected
        ? 'more clicks than redirects: counted twice?'
        : `still short after waiting ${waitMs / 1000} s`;
    fail(
      last,
      `clicks = ${expected} ${context}`,
      `Last seen clicks = ${lastClicks} on instance ${api.instanceId} (${why})`,
    );
  }
}

/** Clicks must stay at `expected` once settled: a flush applied twice shows up here. */
export async function expectClicksSettled(api: Api, code: string, expected: number, context: string) {
  await new Promise((r) => setTimeout(r, CLICK_LAG_MS + LAG_MARGIN_MS));
  const s = await stats(api, code);
  if (s.clicks !== expected)
    fail(
      s.ex,
      `clicks still = ${expected} ${context}, ${(CLICK_LAG_MS + LAG_MARGIN_MS) / 1000} s later`,
      `Got clicks = ${s.clicks}`,
    );
}
