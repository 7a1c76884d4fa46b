import { fileURLToPath } from 'node:url';
import { defineGrader, defineRubric } from '@bc/harness/kit';

/** A one-item grader whose only test runs the starter's visible tests against the submission. */
export const rubric = defineRubric([
  {
    slug: 'visible-tests-pass',
    title: "when the starter's visible tests run against the submission, then they all pass",
    points: 1,
    category: 'correctness',
    visibility: 'visible',
    hint: 'Run npm run test:visible against your service.',
  },
]);

const model = (name: string) => fileURLToPath(new URL(`../../stubs/${name}.ts`, import.meta.url));

export default defineGrader({
  slug: 'saga-visible',
  title: 'Saga visible tests',
  rubric,
  services: ['postgres'],
  instances: 1,
  stubs: {
    inventory: { env: 'INVENTORY_URL', model: model('inventory') },
    payment: { env: 'PAYMENT_URL', model: model('payment') },
    shipping: { env: 'SHIPPING_URL', model: model('shipping') },
  },
});
