import { fileURLToPath } from 'node:url';
import { defineGrader } from '@bc/harness/kit';
import { rubric } from './rubric.ts';

const model = (name: string) => fileURLToPath(new URL(`./stubs/${name}.ts`, import.meta.url));

export default defineGrader({
  slug: 'saga',
  title: 'Order saga across services',
  rubric,
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
