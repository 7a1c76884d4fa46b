import type { Config } from './config.js';

/** How a downstream call ended. */
export type Outcome =
  | { kind: 'ok'; json: Record<string, unknown> }
  /** 409, 402, 422: the step cannot succeed; compensate. */
  | { kind: 'permanent'; status: number }
  /** 5xx, a reset, a hang, a timeout, anything unexpected: try again with the same key. */
  | { kind: 'transient'; why: string };

/** README R6: every call times out after 2 s. */
const CALL_TIMEOUT_MS = 2_000;
const PERMANENT = new Set([402, 409, 422]);

/** The three services of the saga, each call with an idempotency key. */
export class Downstream {
  constructor(private readonly config: Config) {}

  private async call(
    base: string,
    method: string,
    path: string,
    key: string,
    body?: unknown,
  ): Promise<Outcome> {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'Idempotency-Key': key, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status >= 200 && res.status < 300) {
        let json: Record<string, unknown> = {};
        try {
          json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          // a success without a JSON body (204) carries nothing we need
        }
        return { kind: 'ok', json };
      }
      if (PERMANENT.has(res.status)) return { kind: 'permanent', status: res.status };
      return { kind: 'transient', why: `status ${res.status}` };
    } catch (e) {
      return { kind: 'transient', why: (e as Error).name };
    }
  }

  reserve = (key: string, o: { orderId: string; sku: string; quantity: number }) =>
    this.call(this.config.INVENTORY_URL, 'POST', '/reservations', key, o);
  release = (key: string, reservationId: string) =>
    this.call(this.config.INVENTORY_URL, 'DELETE', `/reservations/${encodeURIComponent(reservationId)}`, key);
  charge = (key: string, o: { orderId: string; amountCents: number }) =>
    this.call(this.config.PAYMENT_URL, 'POST', '/charges', key, o);
  refund = (key: string, chargeId: string) =>
    this.call(this.config.PAYMENT_URL, 'POST', `/charges/${encodeURIComponent(chargeId)}/refund`, key, {});
  ship = (key: string, o: { orderId: string; address: string }) =>
    this.call(this.config.SHIPPING_URL, 'POST', '/shipments', key, o);
}
