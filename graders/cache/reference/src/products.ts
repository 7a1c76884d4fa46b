import { setTimeout as sleep } from 'node:timers/promises';
import { type Origin, OriginUnavailable, type Product } from './origin.js';
import { CacheUnavailable, type Entry, type Store } from './store.js';

/** How a product was answered: fresh or stale from the cache, fetched now, or unknown to the origin. */
export type Served = { kind: 'fresh' | 'stale' | 'fetched'; entry: Entry } | { kind: 'unknown' };

/** How long a waiting instance gives the one fetching an id (R8: a 503 within 1.5 s). */
const WAIT_FOR_FILL_MS = 1_300;
/** How long a fetch or refresh lease lives: past one origin timeout, so it outlives its fetch. */
const LEASE_MS = 2_000;
/** How long a failed fetch is remembered, so the instances waiting on it answer 503 at once. */
const FAILED_MS = 300;
const POLL_MS = 15;

/**
 * Products through the shared cache: fresh copies served, stale ones served while one instance
 * refreshes them, misses fetched by one instance for all (a lease in Redis; in-process callers
 * share one flight), and the origin alone when Redis is away.
 */
export class Products {
  private readonly flights = new Map<string, Promise<Served>>();
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly origin: Origin,
  ) {}

  private isFresh(e: Entry, now = Date.now()): boolean {
    return now - e.fetchedAt < this.store.ttls.fresh;
  }

  private isUsable(e: Entry, now = Date.now()): boolean {
    return now - e.fetchedAt < this.store.ttls.fresh + this.store.ttls.stale;
  }

  async get(id: string): Promise<Served> {
    let cached: Awaited<ReturnType<Store['read']>>;
    try {
      // A fresh copy is served whatever else is marked: one GET, as the hot path should be.
      const copy = await this.store.readCopy(id);
      if (copy && this.isFresh(copy)) return { kind: 'fresh', entry: copy };
      cached = await this.store.read(id);
    } catch (e) {
      if (!(e instanceof CacheUnavailable)) throw e;
      return this.once(`direct:${id}`, () => this.fetch(id));
    }
    const { entry } = cached;
    if (entry && this.isFresh(entry)) return { kind: 'fresh', entry };
    if (entry && this.isUsable(entry)) {
      this.refresh(id);
      return { kind: 'stale', entry };
    }
    if (cached.unknown) return { kind: 'unknown' };
    return this.once(`fill:${id}`, () => this.fill(id));
  }

  /** One flight per key in this process: concurrent callers share its outcome. */
  private once(key: string, run: () => Promise<Served>): Promise<Served> {
    let flight = this.flights.get(key);
    if (!flight) {
      flight = run().finally(() => this.flights.delete(key));
      this.flights.set(key, flight);
    }
    return flight;
  }

  private async fetch(id: string): Promise<Served> {
    const a = await this.origin.call('GET', `/products/${encodeURIComponent(id)}`);
    if (a.status === 404) return { kind: 'unknown' };
    const p = a.json as Product | null;
    if (a.status !== 200 || !p || typeof p.version !== 'number')
      throw new OriginUnavailable(`origin answered ${a.status}`);
    return { kind: 'fetched', entry: { json: JSON.stringify(p), version: p.version, fetchedAt: Date.now() } };
  }

  /** Fetches and caches what the origin says of `id` (a copy, or that it is unknown). */
  private async fetchAndStore(id: string): Promise<Served> {
    let served: Served;
    try {
      served = await this.fetch(id);
    } catch (e) {
      await this.store.markFailed(id, FAILED_MS).catch(() => {});
      throw e;
    }
    await (served.kind === 'unknown' ? this.store.markUnknown(id) : this.store.put(id, served.entry)).catch(
      () => {},
    );
    return served;
  }

  /** A miss: one instance fetches under a lease, the others wait for what it stores. */
  private async fill(id: string): Promise<Served> {
    const deadline = Date.now() + WAIT_FOR_FILL_MS;
    try {
      for (;;) {
        const release = await this.store.lease(`lock:${id}`, LEASE_MS);
        if (release) {
          try {
            // The holder before this one may have stored it between our read and our lease.
            const now = await this.store.read(id);
            if (now.entry && this.isFresh(now.entry)) return { kind: 'fresh', entry: now.entry };
            if (now.unknown) return { kind: 'unknown' };
            return await this.fetchAndStore(id);
          } finally {
            await release();
          }
        }
        while (Date.now() < deadline) {
          await sleep(POLL_MS);
          // The lease first: its holder stores what it got before letting go, so a read after
          // seeing it gone finds that (read before, a failure was missed and fetched again).
          const held = await this.store.leaseHeld(`lock:${id}`);
          const r = await this.store.read(id);
          if (r.entry && this.isUsable(r.entry)) return { kind: 'fetched', entry: r.entry };
          if (r.unknown) return { kind: 'unknown' };
          if (r.failed)
            throw new OriginUnavailable('the origin failed for the instance fetching this product');
          if (!held) break;
        }
        if (Date.now() >= deadline) throw new OriginUnavailable('no answer from the origin in time');
      }
    } catch (e) {
      if (!(e instanceof CacheUnavailable)) throw e;
      return this.once(`direct:${id}`, () => this.fetch(id));
    }
  }

  /** A stale copy: one refresh for all instances, in the background. */
  private refresh(id: string): void {
    if (this.refreshing.has(id)) return;
    this.refreshing.add(id);
    void (async () => {
      const release = await this.store.lease(`refresh:${id}`, LEASE_MS);
      if (!release) return;
      try {
        const now = await this.store.read(id);
        if (now.entry && this.isFresh(now.entry)) return;
        await this.fetchAndStore(id);
      } finally {
        await release();
      }
    })()
      .catch(() => {
        // the stale copy is served until a refresh succeeds or it is too old (R4, R8)
      })
      .finally(() => this.refreshing.delete(id));
  }

  /**
   * Many products: fresh copies as they are, the rest in one origin call (R6). When that call
   * fails, copies that may still be served stale stand in; without one the batch fails.
   */
  async getMany(ids: string[]): Promise<{ products: string[]; missing: string[] }> {
    let cached: { entry?: Entry; unknown: boolean }[];
    let cacheUp = true;
    try {
      cached = await this.store.readMany(ids);
    } catch (e) {
      if (!(e instanceof CacheUnavailable)) throw e;
      cached = ids.map(() => ({ unknown: false }));
      cacheUp = false;
    }
    const now = Date.now();
    const need = ids.filter((_, i) => {
      const c = cached[i]!;
      return !c.unknown && !(c.entry && this.isFresh(c.entry, now));
    });
    const got = new Map<string, Entry | null>();
    if (need.length > 0) {
      try {
        const a = await this.origin.call('GET', `/products?ids=${need.map(encodeURIComponent).join(',')}`);
        const list = (a.json as { products?: Product[] } | null)?.products;
        if (a.status !== 200 || !Array.isArray(list))
          throw new OriginUnavailable(`origin answered ${a.status}`);
        const fetchedAt = Date.now();
        for (const p of list)
          if (need.includes(p.id)) got.set(p.id, { json: JSON.stringify(p), version: p.version, fetchedAt });
        for (const id of need) if (!got.has(id)) got.set(id, null);
        if (cacheUp)
          await Promise.all(
            need.map((id) => {
              const e = got.get(id);
              return (e ? this.store.put(id, e) : this.store.markUnknown(id)).catch(() => {});
            }),
          );
      } catch (e) {
        if (!(e instanceof OriginUnavailable)) throw e;
        for (const id of need) {
          const c = cached[ids.indexOf(id)]!;
          if (!c.entry || !this.isUsable(c.entry, now)) throw e;
          got.set(id, c.entry);
        }
      }
    }
    const products: string[] = [];
    const missing: string[] = [];
    ids.forEach((id, i) => {
      const e = got.has(id) ? got.get(id) : cached[i]!.unknown ? null : cached[i]!.entry;
      if (e) products.push(e.json);
      else missing.push(id);
    });
    return { products, missing };
  }

  /** Write-through (R5): the origin first, then its answer cached, newer than any copy in flight. */
  async write(id: string, body: { name: string; priceCents: number }): Promise<Served> {
    const a = await this.origin.call('PUT', `/products/${encodeURIComponent(id)}`, { body });
    if (a.status === 404) return { kind: 'unknown' };
    const p = a.json as Product | null;
    if (a.status !== 200 || !p || typeof p.version !== 'number')
      throw new OriginUnavailable(`origin answered ${a.status}`);
    const entry = { json: JSON.stringify(p), version: p.version, fetchedAt: Date.now() };
    await this.store.put(id, entry).catch(() => {});
    return { kind: 'fetched', entry };
  }
}
