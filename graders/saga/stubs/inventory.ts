import type { StubModelFactory } from '@bc/harness/kit';
import { bad, body, type Effect, effect, idempotentService } from './idempotent.ts';

/**
 * Stock a SKU starts with, from its name: `last-<n>-…` holds n units, `none-…` none, any other
 * SKU more than any test orders. Tests pick the SKU; the candidate never needs to know.
 */
export function initialStock(sku: string): number {
  const m = /^last-(\d+)-/.exec(sku);
  if (m) return Number(m[1]);
  return sku.startsWith('none-') ? 0 : 1_000_000;
}

/** The inventory service of the saga README: reservations against stock, released by DELETE. */
const inventory: StubModelFactory = () => {
  let stock = new Map<string, number>();
  let reservations = new Map<string, { orderId: string; sku: string; quantity: number; released: number }>();
  let effects: Effect[] = [];
  let next = 1;
  return idempotentService(
    {
      'POST /reservations': (req) => {
        const { orderId, sku, quantity } = body(req);
        if (
          typeof orderId !== 'string' ||
          typeof sku !== 'string' ||
          !Number.isInteger(quantity) ||
          Number(quantity) < 1
        )
          return bad('orderId, sku and quantity are required');
        const left = stock.get(sku) ?? initialStock(sku);
        if (Number(quantity) > left)
          return { status: 409, json: { error: { code: 'out_of_stock', message: `${left} left` } } };
        stock.set(sku, left - Number(quantity));
        const reservationId = `res-${next++}`;
        reservations.set(reservationId, { orderId, sku, quantity: Number(quantity), released: 0 });
        effects.push(effect('reserve', req.headers['idempotency-key']!, { orderId, reservationId }));
        return { status: 201, json: { reservationId } };
      },
      'DELETE /reservations/:id': (req, [id]) => {
        const r = reservations.get(id!);
        if (!r) return { status: 404, json: { error: { code: 'not_found', message: id } } };
        // Releasing twice gives the stock back twice: the effect tests look for.
        r.released++;
        stock.set(r.sku, (stock.get(r.sku) ?? initialStock(r.sku)) + r.quantity);
        effects.push(
          effect('release', req.headers['idempotency-key']!, { orderId: r.orderId, reservationId: id }),
        );
        return { status: 204 };
      },
    },
    () => ({ stock: Object.fromEntries(stock), reservations: Object.fromEntries(reservations), effects }),
    () => {
      stock = new Map();
      reservations = new Map();
      effects = [];
    },
  );
};
export default inventory;
