import { fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { ordersOf } from './steps/oracle.ts';
import {
  expectBody,
  heavyCustomer,
  idleCustomer,
  type OrdersPage,
  ordersPage,
  ordinaryCustomer,
  walkOrders,
} from './steps/shop.ts';

rubricTest(rubric, 'orders-pages', async () => {
  const r = seeded('orders-pages');
  // Small pages split a customer's orders many ways; the default page and the largest one too.
  for (const limit of [1, 3, 7]) await walkOrders(ordinaryCustomer(r.int(0, 1e6)), limit, 'R1');
  const heavy = heavyCustomer(r.int(0, 100));
  expectBody(
    await ordersPage(0, heavy),
    'data',
    await ordersOf(heavy, 20),
    `customer ${heavy}'s first page, default limit 20 (R1)`,
  );
  expectBody(
    await ordersPage(1, heavy, { limit: 50 }),
    'data',
    await ordersOf(heavy, 50),
    `customer ${heavy}'s first page of 50 (R1)`,
  );
});

rubricTest(rubric, 'orders-edges', async () => {
  const r = seeded('orders-edges');
  const unknown = 5_000_000 + r.int(0, 1e6);
  const ex404 = await ordersPage(0, unknown);
  if (ex404.status !== 404) fail(ex404, `404: customer ${unknown} does not exist (R1)`);
  const idle = idleCustomer(r.int(0, 1e6));
  const empty = await ordersPage(1, idle);
  expectBody(empty, 'data', [], `customer ${idle} has no orders (R1)`);
  if ((empty.json as OrdersPage).next_cursor !== null) fail(empty, 'next_cursor null on the last page (R1)');
  const who = ordinaryCustomer(r.int(0, 1e6));
  expectBody(
    await ordersPage(0, who, { limit: 50 }),
    'data',
    await ordersOf(who, 50),
    'limit=50, the largest page (R1)',
  );
});
