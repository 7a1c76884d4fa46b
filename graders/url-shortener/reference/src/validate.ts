/** A client error with a stable machine-readable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ALIAS = /^[A-Za-z0-9_-]{3,32}$/;
// Names the service routes itself, now or later; an alias must never shadow one.
const RESERVED = new Set([
  'api',
  'healthz',
  'health',
  'metrics',
  'static',
  'admin',
  'favicon.ico',
  'robots.txt',
]);
const MAX_URL = 2048;

/** A validated create request. */
export interface CreateInput {
  url: string;
  alias: string | null;
  expiresAt: Date | null;
}

const bad = (message: string): HttpError => new HttpError(400, 'invalid_request', message);

export function parseCreate(body: unknown, baseUrl: string, now: number): CreateInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad('body must be a JSON object');
  }
  const { url, alias, expiresAt } = body as Record<string, unknown>;
  if (typeof url !== 'string') throw bad('url must be a string');
  if (url.length > MAX_URL) throw bad(`url must be at most ${MAX_URL} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('url must be an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw bad('url must use http or https');
  if (!parsed.hostname) throw bad('url must have a host');
  // Hostnames, not hosts or prefixes: scheme, port, user info, case and a trailing dot do not
  // make another host.
  const bare = (h: string): string => h.toLowerCase().replace(/\.+$/, '');
  if (bare(parsed.hostname) === bare(new URL(baseUrl).hostname)) {
    throw new HttpError(400, 'redirect_loop', 'url must not point at this shortener');
  }

  let a: string | null = null;
  if (alias !== undefined && alias !== null) {
    if (typeof alias !== 'string' || !ALIAS.test(alias)) {
      throw bad('alias must be 3-32 characters of A-Z, a-z, 0-9, _ and -');
    }
    if (RESERVED.has(alias.toLowerCase())) throw bad(`alias "${alias}" is reserved`);
    a = alias;
  }

  let exp: Date | null = null;
  if (expiresAt !== undefined && expiresAt !== null) {
    if (typeof expiresAt !== 'string') throw bad('expiresAt must be an ISO 8601 date-time string');
    const t = Date.parse(expiresAt);
    if (Number.isNaN(t)) throw bad('expiresAt must be an ISO 8601 date-time string');
    if (t <= now) throw bad('expiresAt must be in the future');
    exp = new Date(t);
  }
  return { url, alias: a, expiresAt: exp };
}
