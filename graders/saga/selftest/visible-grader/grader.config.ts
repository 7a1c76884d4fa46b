import { fileURLToPath } from 'node:url';
import { defineGrader, visibleTestsRubric } from '@bc/harness/kit';

const model = (name: string) => fileURLToPath(new URL(`../../stubs/${name}.ts`, import.meta.url));

/** A one-item grader whose only test runs the starter's visible tests against the submission. */
export default defineGrader({
  slug: 'saga-visible',
  title: 'Saga visible tests',
  rubric: visibleTestsRubric,
  services: ['postgres'],
  instances: 1,
  stubs: {
    inventory: { env: 'INVENTORY_URL', model: model('inventory') },
    payment: { env: 'PAYMENT_URL', model: model('payment') },
    shipping: { env: 'SHIPPING_URL', model: model('shipping') },
  },
});
