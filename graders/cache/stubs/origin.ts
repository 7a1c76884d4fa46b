import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StubModelFactory, StubResponse } from '@bc/harness/kit';

/** A product as the origin holds it. */
export interface Product {
  id: string;
  name: string;
  priceCents: number;
  version: number;
}

/** What tests read back of the origin (`control.stub('origin').state()`). */
export interface OriginState {
  /**
   * Origin calls of the candidate in flight right now, and the most there were at once since the
   * model was last reset (before every test file): read through the control server only.
   */
  inFlight: number;
  peakInFlight: number;
  products: Record<string, Product>;
  /** What a request to the catalogue's routes must carry in CATALOGUE_KEY_HEADER. */
  catalogueKey: string;
}

/**
 * Ids the catalogue does not hold: any id starting with `unknown-` (until the catalogue team
 * creates it). Every other id exists, so tests pick fresh products by name.
 */
export const isUnknownId = (id: string): boolean => id.startsWith('unknown-');

/**
 * The routes only the grader calls: the catalogue as it stands, and its team's edits. The service
 * reaches the origin too, so they answer only a request that carries the run's key, which tests
 * read through the control server; without it they are unknown routes, like any other.
 */
export const CATALOGUE_PREFIX = '/_catalogue';
/** The header that carries `OriginState.catalogueKey`. */
export const CATALOGUE_KEY_HEADER = 'x-catalogue-key';

// A small, fast generator: latencies and names follow the run's seed.
function rng(seed: number): () => number {
  let a = seed >>> 0 || 1;
  return () => {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    return (a >>> 0) / 2 ** 32;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

const notFound = (what: string): StubResponse => ({
  status: 404,
  json: { error: { code: 'not_found', message: what } },
});

/**
 * The origin of the cache README: a catalogue whose every call takes 100–300 ms (seeded) and is
 * counted, products whose version only grows, per-caller recommendations, and a preview mode
 * (`X-Preview` or `?preview`) that a cache must never let a client reach (R12).
 */
const origin: StubModelFactory = ({ seed }) => {
  const latency = rng(seed ^ 0x5eed);
  let products = new Map<string, Product>();
  let inFlight = 0;
  let peakInFlight = 0;
  const catalogueKey = randomBytes(16).toString('hex');

  const productOf = (id: string): Product | undefined => {
    const held = products.get(id);
    if (held) return held;
    if (isUnknownId(id)) return undefined;
    const h = hash(`${seed}:${id}`);
    const p = { id, name: `Product ${id}`, priceCents: 100 + (h % 99_900), version: 1 + (h % 5) };
    products.set(id, p);
    return p;
  };
  const preview = (p: Product): Product => ({ ...p, name: `DRAFT ${p.name}`, version: p.version + 1000 });

  // Each answer is ready after the origin's latency; the call counts as in flight meanwhile.
  const slow = async (answer: () => StubResponse): Promise<StubResponse> => {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    try {
      await sleep(100 + Math.floor(latency() * 201));
      return answer();
    } finally {
      inFlight--;
    }
  };

  return {
    handle(req) {
      const path = req.path.replace(/\/+$/, '');
      if (path.startsWith(CATALOGUE_PREFIX) && req.headers[CATALOGUE_KEY_HEADER] === catalogueKey) {
        // The catalogue team: read a product as it stands, or create or edit one behind the
        // cache's back. The in-flight peak has no route: a service could reset it.
        const m = /^\/_catalogue\/products\/([^/]+)$/.exec(path);
        if (req.method === 'GET' && m) {
          const p = productOf(decodeURIComponent(m[1]!));
          return p ? { status: 200, json: p } : notFound(`product ${m[1]}`);
        }
        if (req.method === 'PUT' && m) {
          const id = decodeURIComponent(m[1]!);
          const body = (req.json ?? {}) as Partial<Product>;
          const before = productOf(id);
          const p: Product = {
            id,
            name: typeof body.name === 'string' ? body.name : (before?.name ?? `Product ${id}`),
            priceCents: typeof body.priceCents === 'number' ? body.priceCents : (before?.priceCents ?? 100),
            version: (before?.version ?? 0) + 1,
          };
          products.set(id, p);
          return { status: 200, json: p };
        }
        return notFound(`${req.method} ${req.path}`);
      }
      const previewing = req.headers['x-preview'] !== undefined || req.query.preview !== undefined;
      const one = /^\/products\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && one) {
        const id = decodeURIComponent(one[1]!);
        return slow(() => {
          const p = productOf(id);
          if (!p) return notFound(`product ${id}`);
          return { status: 200, json: previewing ? preview(p) : p };
        });
      }
      if (req.method === 'GET' && path === '/products') {
        const ids = (req.query.ids ?? '').split(',').filter(Boolean);
        if (ids.length === 0 || ids.length > 100)
          return { status: 400, json: { error: { code: 'bad_ids', message: '1 to 100 ids' } } };
        return slow(() => {
          const found = ids.map(productOf).filter((p): p is Product => p !== undefined);
          return { status: 200, json: { products: previewing ? found.map(preview) : found } };
        });
      }
      if (req.method === 'PUT' && one) {
        const id = decodeURIComponent(one[1]!);
        const body = (req.json ?? {}) as Partial<Product>;
        return slow(() => {
          const before = productOf(id);
          if (!before) return notFound(`product ${id}`);
          if (typeof body.name !== 'string' || typeof body.priceCents !== 'number')
            return { status: 400, json: { error: { code: 'bad_body', message: 'name and priceCents' } } };
          const p = { id, name: body.name, priceCents: body.priceCents, version: before.version + 1 };
          products.set(id, p);
          return { status: 200, json: p };
        });
      }
      if (req.method === 'GET' && path === '/recommendations') {
        const token = /^Bearer (user-[A-Za-z0-9_-]{1,64})$/.exec(req.headers.authorization ?? '')?.[1];
        return slow(() => {
          if (!token)
            return { status: 401, json: { error: { code: 'unauthorized', message: 'a Bearer token' } } };
          const h = hash(`${seed}:${token}`);
          const items = Array.from({ length: 3 }, (_, i) => `p-${(h >>> (i * 8)) & 0xff}-${token}`);
          return { status: 200, json: { user: token, items } };
        });
      }
      return notFound(`${req.method} ${req.path}`);
    },
    state: (): OriginState => ({
      inFlight,
      peakInFlight,
      products: Object.fromEntries(products),
      catalogueKey,
    }),
    reset() {
      products = new Map();
      peakInFlight = inFlight;
    },
  };
};
export default origin;
