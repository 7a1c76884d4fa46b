import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Downstream, Outcome } from './downstream.js';

/** An order row as the worker reads it. */
export interface OrderRow {
  id: string;
  sku: string;
  quantity: number;
  amount_cents: number;
  address: string;
  status: string;
  step: string;
  reservation_id: string | null;
  charge_id: string | null;
  shipment_id: string | null;
  failed_step: string | null;
  attempts: number;
  step_failing_since: Date | null;
}

/** A lease outlives a call (2 s) and a write with room to spare; a dead owner's expires soon. */
const LEASE_SEC = 5;
const POLL_MS = 200;
const MAX_PARALLEL = 16;
/** README R6: forward steps are retried for at least 30 s before giving up. */
const GIVE_UP_AFTER_MS = 45_000;
const backoffMs = (attempts: number) => Math.min(1_000, 50 * 2 ** attempts);

/**
 * Runs sagas: claims due orders with a lease in Postgres (one instance at a time per saga), runs
 * steps, writes each result before the next call, and compensates in reverse on a permanent
 * failure. Every call's key is the order id and the step, so a retry after a crash or a lost
 * answer is the same request.
 */
export class SagaWorker {
  private readonly owner = randomUUID();
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly downstream: Downstream,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Run a new saga now rather than at the next poll. */
  kick(): void {
    void this.poll();
  }

  private async poll(): Promise<void> {
    while (!this.stopped && this.running < MAX_PARALLEL) {
      const row = await this.claim().catch(() => null);
      if (!row) return;
      this.running++;
      void this.run(row)
        .catch(() => this.release(row.id, 0).catch(() => {}))
        .finally(() => {
          this.running--;
        });
    }
  }

  private async claim(): Promise<OrderRow | null> {
    const { rows } = await this.pool.query<OrderRow>(
      `UPDATE orders SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)
       WHERE id = (
         SELECT id FROM orders
         WHERE status = 'PENDING' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
         ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [this.owner, LEASE_SEC],
    );
    return rows[0] ?? null;
  }

  /** Write what a step changed, renewing the lease; false when the lease was lost. */
  private async save(id: string, set: Record<string, unknown>): Promise<boolean> {
    const cols = Object.keys(set);
    const assignments = cols.map((c, i) => `${c} = $${i + 3}`).join(', ');
    const r = await this.pool.query(
      `UPDATE orders SET ${assignments}${cols.length ? ', ' : ''}updated_at = now(),
         lease_until = now() + make_interval(secs => ${LEASE_SEC})
       WHERE id = $1 AND lease_owner = $2`,
      [id, this.owner, ...Object.values(set)],
    );
    return r.rowCount === 1;
  }

  private async release(id: string, delayMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE orders SET lease_owner = NULL, lease_until = NULL,
         next_attempt_at = now() + make_interval(secs => $3)
       WHERE id = $1 AND lease_owner = $2`,
      [id, this.owner, delayMs / 1000],
    );
  }

  private async run(o: OrderRow): Promise<void> {
    for (;;) {
      if (this.stopped) return this.release(o.id, 0);
      const key = `${o.id}:${o.step}`;
      let outcome: Outcome;
      switch (o.step) {
        case 'reserve':
          outcome = await this.downstream.reserve(key, { orderId: o.id, sku: o.sku, quantity: o.quantity });
          break;
        case 'charge':
          outcome = await this.downstream.charge(key, { orderId: o.id, amountCents: o.amount_cents });
          break;
        case 'ship':
          outcome = await this.downstream.ship(key, { orderId: o.id, address: o.address });
          break;
        case 'refund':
          outcome = await this.downstream.refund(key, o.charge_id!);
          break;
        case 'release':
          outcome = await this.downstream.release(key, o.reservation_id!);
          break;
        default:
          return;
      }
      const next = this.transition(o, outcome);
      if (next === 'retry') {
        const since = o.step_failing_since ?? new Date();
        const set = { attempts: o.attempts + 1, step_failing_since: since };
        if (!(await this.save(o.id, set))) return;
        return this.release(o.id, backoffMs(o.attempts));
      }
      if (!(await this.save(o.id, next))) return;
      Object.assign(o, next);
      if (o.status !== 'PENDING') return this.release(o.id, 0);
    }
  }

  /** The row's next values after `outcome`, or 'retry'. */
  private transition(o: OrderRow, outcome: Outcome): Partial<OrderRow> | 'retry' {
    const compensating = o.step === 'refund' || o.step === 'release';
    const fresh = { attempts: 0, step_failing_since: null };
    if (outcome.kind === 'transient') {
      const failingFor = o.step_failing_since ? Date.now() - o.step_failing_since.getTime() : 0;
      // Compensations never give up; a forward step does after long enough (a permanent failure).
      if (compensating || failingFor < GIVE_UP_AFTER_MS) return 'retry';
      return this.compensate(o, o.step);
    }
    if (outcome.kind === 'permanent') {
      if (compensating) return 'retry';
      return this.compensate(o, o.step);
    }
    const j = outcome.json;
    switch (o.step) {
      case 'reserve':
        return { ...fresh, reservation_id: String(j.reservationId), step: 'charge' };
      case 'charge':
        return { ...fresh, charge_id: String(j.chargeId), step: 'ship' };
      case 'ship':
        return { ...fresh, shipment_id: String(j.shipmentId), step: 'done', status: 'COMPLETED' };
      case 'refund':
        return o.reservation_id
          ? { ...fresh, step: 'release' }
          : { ...fresh, step: 'done', status: 'CANCELLED' };
      default:
        return { ...fresh, step: 'done', status: 'CANCELLED' };
    }
  }

  /** Undo what succeeded, in reverse: refund, then release; cancelled when nothing is left. */
  private compensate(o: OrderRow, failed: string): Partial<OrderRow> {
    const base = { attempts: 0, step_failing_since: null, failed_step: failed };
    if (o.charge_id) return { ...base, step: 'refund' };
    if (o.reservation_id) return { ...base, step: 'release' };
    return { ...base, step: 'done', status: 'CANCELLED' };
  }
}
