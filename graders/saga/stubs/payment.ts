import type { StubModelFactory } from '@bc/harness/kit';
import { bad, body, type Effect, effect, idempotentService } from './idempotent.ts';

/** Amounts the payment service declines: tests choose them for a permanent failure (402). */
export const declines = (amountCents: number): boolean => amountCents % 1000 === 402;

/** The payment service of the saga README: charges, declines, refunds. */
const payment: StubModelFactory = () => {
  let charges = new Map<string, { orderId: string; amountCents: number; refunded: number }>();
  let effects: Effect[] = [];
  let next = 1;
  return idempotentService(
    {
      'POST /charges': (req) => {
        const { orderId, amountCents } = body(req);
        if (typeof orderId !== 'string' || !Number.isInteger(amountCents) || Number(amountCents) < 1)
          return bad('orderId and amountCents are required');
        if (declines(Number(amountCents)))
          return { status: 402, json: { error: { code: 'declined', message: 'card declined' } } };
        const chargeId = `ch-${next++}`;
        charges.set(chargeId, { orderId, amountCents: Number(amountCents), refunded: 0 });
        effects.push(effect('charge', req.headers['idempotency-key']!, { orderId, chargeId }));
        return { status: 201, json: { chargeId } };
      },
      'POST /charges/:id/refund': (req, [id]) => {
        const c = charges.get(id!);
        if (!c) return { status: 404, json: { error: { code: 'not_found', message: id } } };
        c.refunded++;
        effects.push(effect('refund', req.headers['idempotency-key']!, { orderId: c.orderId, chargeId: id }));
        return { status: 201, json: { refundId: `rf-${id}-${c.refunded}` } };
      },
    },
    () => ({ charges: Object.fromEntries(charges), effects }),
    () => {
      charges = new Map();
      effects = [];
    },
  );
};
export default payment;
