import { setTimeout as sleep } from 'node:timers/promises';
import { api, control, type Exchange, fail, grading } from '@bc/harness/kit';
import type { Effect } from '../../stubs/idempotent.ts';

/** An order as R1 takes it. */
export interface OrderBody {
  sku: string;
  quantity: number;
  amountCents: number;
  address: string;
}

/** A SKU no other test uses, with plenty of stock (or `prefix` for the inventory's special ones). */
export const skuFor = (label: string, prefix = '') => `${prefix}${label}-${grading().seed % 100_000}`;

/** A body that completes with healthy services. */
export const goodOrder = (label: string): OrderBody => ({
  sku: skuFor(label),
  quantity: 2,
  amountCents: 1999,
  address: '1 Main Street, Springfield',
});

/** POST /orders on instance `i` with `key`. */
export const place = (i: number, body: unknown, key: string) =>
  api(i).post('/orders', body, { headers: { 'Idempotency-Key': key } });

/** Fail unless `ex` accepted a new order (R1); returns its id. */
export function expectAccepted(ex: Exchange, what: string): string {
  const b = ex.json as { orderId?: unknown; status?: unknown } | undefined;
  if (ex.status !== 202 || typeof b?.orderId !== 'string' || b.orderId === '')
    fail(ex, `202 {"orderId": "<string>", "status"} for ${what} (R1)`);
  return b.orderId;
}

/** Poll GET /orders/:id until the order is final or `boundMs` passed; returns the last answer. */
export async function waitFinal(
  i: number,
  orderId: string,
  boundMs: number,
): Promise<{ ex: Exchange; status: string; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const ex = await api(i).get(`/orders/${encodeURIComponent(orderId)}`);
    const status = (ex.json as { status?: unknown } | undefined)?.status;
    if (ex.status !== 200 || typeof status !== 'string')
      fail(ex, '200 {"orderId", "status", "steps"} for an order the service accepted (R3)');
    if (status !== 'PENDING' || Date.now() - t0 > boundMs) return { ex, status, ms: Date.now() - t0 };
    await sleep(100);
  }
}

/** Fail unless the order ended as `want` within `boundMs` (the README's bound plus its margin). */
export async function expectFinal(i: number, orderId: string, want: string, boundMs: number, what: string) {
  const r = await waitFinal(i, orderId, boundMs);
  if (r.status === 'PENDING') fail(r.ex, `"status": "${want}" within ${boundMs} ms for ${what} (R7)`);
  if (r.status !== want) fail(r.ex, `"status": "${want}" for ${what}`);
  return r;
}

/** What the three services did for `orderId`, in the order they did it. */
export async function effectsOf(orderId: string): Promise<Effect[]> {
  const all = await Promise.all(
    ['inventory', 'payment', 'shipping'].map(
      async (s) => (await control.stub(s).state<{ effects: Effect[] }>()).effects,
    ),
  );
  return all
    .flat()
    .filter((e) => e.orderId === orderId)
    .sort((a, b) => a.seq - b.seq);
}

/** How effects read in a failure: "reserve, charge, refund". */
export const listed = (effects: Effect[]) => effects.map((e) => e.kind).join(', ') || 'none';

/** Fail unless the services' effects for `orderId` are exactly `want` (kinds, in order). */
export async function expectEffects(
  ex: Exchange,
  orderId: string,
  want: string,
  what: string,
): Promise<void> {
  const effects = await effectsOf(orderId);
  if (listed(effects) !== want)
    fail(
      ex,
      `exactly these effects, in this order, for ${what}: ${want}`,
      `The services saw: ${listed(effects)}.`,
    );
}

/** Wait until stub `name` has recorded a call to `path`; returns how many it has. */
export async function callsTo(
  name: string,
  method: string,
  path: string,
  timeoutMs: number,
): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const n = (await control.stub(name).calls()).filter(
      (c) => c.method === method && c.path.startsWith(path),
    ).length;
    if (n > 0 || Date.now() - t0 > timeoutMs) return n;
    await sleep(50);
  }
}

/** Idempotency keys the service sent per step of `orderId`: more than one for a step is a new request. */
export async function keysPerStep(orderId: string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const name of ['inventory', 'payment', 'shipping']) {
    for (const c of await control.stub(name).calls()) {
      const o = (c.json as { orderId?: unknown } | undefined)?.orderId;
      if (o !== orderId) continue;
      const step = `${c.method} ${c.path}`;
      if (!out.has(step)) out.set(step, new Set());
      out.get(step)!.add(c.headers['idempotency-key'] ?? '');
    }
  }
  return out;
}
