import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';

const model = (name: string) => fileURLToPath(new URL(`./stubs/${name}.ts`, import.meta.url));

export default defineGrader({
  slug: 'saga',
  title: 'Order saga across services',
  rubric,
  // README rules that state a number: the bound a boundary mutant misses just past it.
  bounds: {
    R1: 'an Idempotency-Key of 1–255 characters',
    R6: 'forward steps retried for at least 30 s (each call timed out after 2 s)',
    R7: 'final within 5 s once a fault clears (2 s with healthy services)',
    R9: "a dead instance's sagas finished by the other within 10 s",
  },
  services: ['postgres', 'redis'],
  instances: 2,
  // The three downstream services are the grader's: stateful fakes (stock, charges, shipments,
  // idempotency keys) under scripts that add faults.
  stubs: {
    inventory: { env: 'INVENTORY_URL', model: model('inventory') },
    payment: { env: 'PAYMENT_URL', model: model('payment') },
    shipping: { env: 'SHIPPING_URL', model: model('shipping') },
  },
  timeouts: { healthy: 30_000, tests: 120_000 },
  limits: { memoryMb: 512, pids: 256 },
  baselines: { calibration: fileURLToPath(new URL('./baselines/calibration.ts', import.meta.url)) },
});
