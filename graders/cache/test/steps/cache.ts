import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Api,
  api,
  control,
  type Exchange,
  expectStatus,
  fail,
  grading,
  type StubCall,
  seeded,
} from '@bc/harness/kit';
import {
  CATALOGUE_KEY_HEADER,
  CATALOGUE_PREFIX,
  type OriginState,
  type Product,
} from '../../stubs/origin.ts';

/** The run's TTLs and origin limit, as the service got them. */
export function settings() {
  const e = grading().env;
  return {
    freshMs: Number(e.CACHE_TTL_MS),
    staleMs: Number(e.STALE_TTL_MS),
    negativeMs: Number(e.NEGATIVE_TTL_MS),
    maxConcurrency: Number(e.ORIGIN_MAX_CONCURRENCY),
  };
}

/** Margin on every time bound, for a loaded 2-core machine. */
export const MARGIN_MS = 400;

export const origin = () => control.stub('origin');

/** An id no test has used, from the seed and a label: every test reads products of its own. */
export function freshId(label: string, prefix = 'p'): string {
  return `${prefix}-${label}-${seeded(label).word(8)}`;
}

/** The candidate's origin calls (the grader's own catalogue reads and edits, which carry the key, left out). */
export async function candidateCalls(): Promise<StubCall[]> {
  return (await origin().calls()).filter((c) => c.headers[CATALOGUE_KEY_HEADER] === undefined);
}

/** The catalogue's routes, with the run's key (read through the control server). */
async function catalogue(id: string, init: RequestInit = {}): Promise<Response> {
  const { catalogueKey } = await origin().state<OriginState>();
  return fetch(`${origin().url}${CATALOGUE_PREFIX}/products/${encodeURIComponent(id)}`, {
    ...init,
    headers: { ...init.headers, [CATALOGUE_KEY_HEADER]: catalogueKey },
  });
}

/** Origin calls that read `id`: single reads, and batches naming it. */
export async function readsOf(id: string): Promise<StubCall[]> {
  return (await candidateCalls()).filter(
    (c) =>
      c.method === 'GET' &&
      (c.path === `/products/${id}` ||
        (c.path === '/products' && (c.query.ids ?? '').split(',').includes(id))),
  );
}

/** The catalogue team edits (or creates) a product at the origin, behind the cache's back. */
export async function catalogueEdit(id: string, fields: Partial<Product>): Promise<Product> {
  const res = await catalogue(id, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fields),
  });
  return (await res.json()) as Product;
}

/** What the origin holds of `id` now, whether or not the candidate ever asked for it. */
export async function originProduct(id: string): Promise<Product | undefined> {
  const res = await catalogue(id);
  return res.status === 200 ? ((await res.json()) as Product) : undefined;
}

export const getProduct = (i: number, id: string, opts: Parameters<Api['get']>[1] = {}): Promise<Exchange> =>
  api(i).get(`/products/${encodeURIComponent(id)}`, opts);

export const putProduct = (i: number, id: string, json: unknown): Promise<Exchange> =>
  api(i).request('PUT', `/products/${encodeURIComponent(id)}`, { json });

/** Fail unless `ex` is a 200 with `id`'s product at `version` (at least, with `atLeast`). */
export function expectProduct(
  ex: Exchange,
  id: string,
  version: number,
  why: string,
  atLeast = false,
): Product {
  expectStatus(ex, [200], why);
  const p = ex.json as Partial<Product> | undefined;
  const ok =
    p?.id === id &&
    typeof p.name === 'string' &&
    typeof p.priceCents === 'number' &&
    typeof p.version === 'number' &&
    (atLeast ? p.version >= version : p.version === version);
  if (!ok)
    fail(
      ex,
      `200 with product "${id}" at version ${atLeast ? `${version} or newer` : version} (id, name, priceCents, version as the origin has them) — ${why}`,
    );
  return p as Product;
}

/** Whether `ex` is marked stale (R4). */
export const isStale = (ex: Exchange): boolean => (ex.headers['x-cache'] ?? '').toUpperCase() === 'STALE';

/** Sleep until `ms` after `t0` (a Date.now()). */
export async function until(t0: number, ms: number): Promise<void> {
  const left = t0 + ms - Date.now();
  if (left > 0) await sleep(left);
}

/** The first read of a fresh product: when it was sent and answered, and its version. */
export async function firstRead(id: string) {
  const sent = Date.now();
  const ex = await getProduct(0, id);
  const answered = Date.now();
  const v = (await originProduct(id))?.version ?? 0;
  expectProduct(ex, id, v, 'the first read of a product');
  return { sent, answered, version: v };
}
