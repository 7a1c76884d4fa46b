import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { exclusiveLoad, median, quantile } from '@bc/harness/kit/load';

/** One round of orders against one service: how many sagas ended, and how long each took. */
export interface SagaRound {
  completed: number;
  failed: number;
  perSec: number;
  p50: number;
  p99: number;
}

const POLL_MS = 20;
const ORDER_TIMEOUT_MS = 5_000;

/**
 * `clients` concurrent customers for `seconds`: each places an order and polls it until it is
 * final, then places the next. Time to final is from the 202 to the first poll that sees it.
 */
export async function sagaRound(
  origin: string,
  seconds: number,
  clients: number,
  label: string,
): Promise<SagaRound> {
  const deadline = Date.now() + seconds * 1000;
  const times: number[] = [];
  let failed = 0;
  const client = async (c: number) => {
    while (Date.now() < deadline) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${origin}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() },
          body: JSON.stringify({
            sku: `load-${label}-${c}`,
            quantity: 1,
            amountCents: 1000,
            address: '1 Load Street',
          }),
        });
        const { orderId } = (await res.json()) as { orderId?: string };
        if (res.status !== 202 || !orderId) throw new Error(String(res.status));
        for (;;) {
          const r = await fetch(`${origin}/orders/${orderId}`);
          const { status } = (await r.json()) as { status?: string };
          if (status === 'COMPLETED') {
            times.push(performance.now() - t0);
            break;
          }
          if (status !== 'PENDING' || performance.now() - t0 > ORDER_TIMEOUT_MS)
            throw new Error(String(status));
          await sleep(POLL_MS);
        }
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const sorted = [...times].sort((a, b) => a - b);
  return {
    completed: times.length,
    failed,
    perSec: times.length / seconds,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
  };
}

/**
 * Both services measured the same way: a warm-up each, then rounds alternating between them
 * (alone on the machine when the grading is one of a batch).
 */
export function compareSagas(
  candidate: string,
  baseline: string,
  opts: { rounds: number; seconds: number; clients: number },
) {
  return exclusiveLoad(() => compareNow(candidate, baseline, opts));
}

async function compareNow(
  candidate: string,
  baseline: string,
  opts: { rounds: number; seconds: number; clients: number },
) {
  await sagaRound(candidate, 1, opts.clients, 'warm-c');
  await sagaRound(baseline, 1, opts.clients, 'warm-b');
  const rounds: { candidate: SagaRound; baseline: SagaRound }[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const c = await sagaRound(candidate, opts.seconds, opts.clients, `c${r}`);
    const b = await sagaRound(baseline, opts.seconds, opts.clients, `b${r}`);
    rounds.push({ candidate: c, baseline: b });
  }
  const m = (side: 'candidate' | 'baseline', f: 'perSec' | 'p99') => median(rounds.map((x) => x[side][f]));
  return {
    rounds,
    candidate: { perSec: m('candidate', 'perSec'), p99: m('candidate', 'p99') },
    baseline: { perSec: m('baseline', 'perSec'), p99: m('baseline', 'p99') },
    throughputRatio: m('candidate', 'perSec') / m('baseline', 'perSec'),
    p99Ratio: m('candidate', 'p99') / m('baseline', 'p99'),
    failed: rounds.reduce((s, x) => s + x.candidate.failed, 0),
  };
}
