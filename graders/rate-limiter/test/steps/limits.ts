import { setTimeout as sleep } from 'node:timers/promises';
import { api, clientAddress, type Exchange, expectStatus, fail, grading } from '@bc/harness/kit';
import { rubric } from '../../rubric.ts';
import { KEYS_PER_ITEM } from './keys.ts';

/** The two limited routes. */
export type Route = 'window' | 'bucket';
export const path = (route: Route): string => `/api/${route}/resource`;

/** The limits this run gave instances a and b (c has unreachable ones). */
export function limits() {
  const env = grading().env;
  const windowMs = Number(env.RATE_LIMIT_WINDOW_MS);
  const capacity = Number(env.BUCKET_CAPACITY);
  const refillPerSec = Number(env.BUCKET_REFILL_PER_SEC);
  return {
    limit: Number(env.RATE_LIMIT),
    windowMs,
    windowSec: Math.ceil(windowMs / 1000),
    capacity,
    refillPerSec,
    /** Seconds to refill an empty bucket: the bucket policy's `w`. */
    bucketSec: Math.ceil(capacity / refillPerSec),
  };
}

const itemIndex = (slug: string): number => {
  const i = rubric.findIndex((r) => r.slug === slug);
  if (i < 0) throw new Error(`no rubric item ${slug}`);
  return i;
};

/** The API keys item `slug` owns (no other test touches their budgets). */
export function keysOf(slug: string): string[] {
  const all = grading().env.API_KEYS!.split(',');
  const i = itemIndex(slug);
  return all.slice(i * KEYS_PER_ITEM, (i + 1) * KEYS_PER_ITEM);
}

/**
 * An address item `slug` owns: requests sent from it are a client of their own, as the service
 * sees the connecting address (loopback locally, the run network's in Docker: see clientAddress).
 */
export const addressOf = (slug: string, n = 0): string => clientAddress(itemIndex(slug), n);

/** Whether `client` names address `addr`, in either form R3 allows. */
export const isAddress = (client: unknown, addr: string): boolean =>
  client === `ip:${addr}` || client === `ip:::ffff:${addr}`;

/** What one request to a limited route carries. */
export interface Hit {
  key?: string;
  from?: string;
  forwardedFor?: string;
  timeoutMs?: number;
}

/** One request to a limited route of instance `i`. */
export function hit(i: number, route: Route, h: Hit = {}): Promise<Exchange> {
  const headers: Record<string, string> = {};
  if (h.key !== undefined) headers['X-API-Key'] = h.key;
  if (h.forwardedFor !== undefined) headers['X-Forwarded-For'] = h.forwardedFor;
  return api(i).get(path(route), {
    headers,
    ...(h.from ? { localAddress: h.from } : {}),
    ...(h.timeoutMs ? { timeoutMs: h.timeoutMs } : {}),
  });
}

/** `n` requests one after another, instance chosen per request. */
export async function sequence(n: number, instance: (k: number) => number, route: Route, h: Hit) {
  const out: Exchange[] = [];
  for (let k = 0; k < n; k++) out.push(await hit(instance(k), route, h));
  return out;
}

export const allowedOf = (xs: Exchange[]): number => xs.filter((x) => x.status === 200).length;

export { expectStatus };

/** Fail unless every exchange was answered 200 or 429: a limiter's only answers here. */
export function expectDecisions(xs: Exchange[], what: string): void {
  for (const x of xs) expectStatus(x, [200, 429], what);
}

/** Fail unless `ex` is the 200 of R7 for `client` (a key id or one of an address's forms). */
export function expectAllowed(ex: Exchange, what: string, client?: string): void {
  expectStatus(ex, [200], what);
  const b = ex.json as { ok?: unknown; client?: unknown } | undefined;
  if (b?.ok !== true || typeof b.client !== 'string') fail(ex, `{"ok": true, "client": "<id>"} for ${what}`);
  if (client === undefined) return;
  const fine = client.startsWith('key:') ? b.client === client : isAddress(b.client, client.slice(3));
  if (!fine) fail(ex, `"client": "${client}" for ${what}`);
}

/**
 * Wait, if needed, until a burst of up to `needMs` fits inside one fixed slot of the window
 * (slots aligned on multiples of the window length): items that do not grade R4's "rolling, not
 * fixed" must not fail a fixed-slot limiter by chance.
 */
export async function awayFromSlotEdge(needMs = 700): Promise<void> {
  const { windowMs } = limits();
  const into = Date.now() % windowMs;
  if (into > windowMs - needMs) await sleep(windowMs - into + 30);
}

/** Sleep until the wall clock reads `t` (ms since epoch). */
export async function sleepUntil(t: number): Promise<void> {
  const ms = t - Date.now();
  if (ms > 0) await sleep(ms);
}

/** `n` requests at once, spread over `instances` round-robin; answers in sending order. */
export function burst(n: number, instances: number[], route: Route, h: Hit): Promise<Exchange[]> {
  return Promise.all(Array.from({ length: n }, (_, k) => hit(instances[k % instances.length]!, route, h)));
}

/** Tokens a bucket at rate `perSec` can have gained over `ms`, rounded down. */
export const refilled = (ms: number, perSec: number): number => Math.floor((ms / 1000) * perSec);

/** Fail with the first refused and the first allowed answer when `allowed` is not in [lo, hi]. */
export function expectAllowedCount(xs: Exchange[], lo: number, hi: number, what: string): void {
  const allowed = allowedOf(xs);
  if (allowed >= lo && allowed <= hi) return;
  const shown = allowed > hi ? xs.filter((x) => x.status === 200).at(-1)! : xs.find((x) => x.status !== 200)!;
  const want = lo === hi ? `exactly ${lo}` : `${lo} to ${hi}`;
  fail(shown, `${want} of ${what} to pass`, `${allowed} of ${xs.length} passed (the last of them is shown).`);
}

/** A RateLimit or RateLimit-Policy field (R9): its item and parameters, in any order. */
export function parseField(
  value: string | undefined,
): { item: string; params: Record<string, string> } | null {
  if (value === undefined) return null;
  const [item, ...params] = value.split(';').map((p) => p.trim());
  const out: Record<string, string> = {};
  for (const p of params) {
    const m = p.match(/^([a-z][a-z0-9_.*-]*)=(.*)$/);
    if (!m) return null;
    out[m[1]!] = m[2]!;
  }
  return { item: item!, params: out };
}
