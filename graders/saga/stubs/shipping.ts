import type { StubModelFactory } from '@bc/harness/kit';
import { bad, body, type Effect, effect, idempotentService } from './idempotent.ts';

/** Addresses shipping cannot deliver to: tests choose them for a permanent failure (422). */
export const undeliverable = (address: string): boolean => address.includes('Nowhere');

/** The shipping service of the saga README: shipments, refused for undeliverable addresses. */
const shipping: StubModelFactory = () => {
  let shipments = new Map<string, { orderId: string; address: string }>();
  let effects: Effect[] = [];
  let next = 1;
  return idempotentService(
    {
      'POST /shipments': (req) => {
        const { orderId, address } = body(req);
        if (typeof orderId !== 'string' || typeof address !== 'string')
          return bad('orderId and address are required');
        if (undeliverable(address))
          return {
            status: 422,
            json: { error: { code: 'undeliverable', message: 'no route to that address' } },
          };
        const shipmentId = `sh-${next++}`;
        shipments.set(shipmentId, { orderId, address });
        effects.push(effect('ship', req.headers['idempotency-key']!, { orderId, shipmentId }));
        return { status: 201, json: { shipmentId } };
      },
    },
    () => ({ shipments: Object.fromEntries(shipments), effects }),
    () => {
      shipments = new Map();
      effects = [];
    },
  );
};
export default shipping;
