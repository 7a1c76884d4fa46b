import { describe, expect, test } from 'vitest';

// The visible part of the grade, run against your running service (its tables filled):
//   TARGET_URL=http://localhost:3000 npm run test:visible
const target = process.env.TARGET_URL ?? 'http://localhost:3000';
const get = (path: string) => fetch(`${target}${path}`);
const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };

describe('query tuning (visible tests)', () => {
  test('when the service is up, then GET /healthz answers 200', async () => {
    expect((await get('/healthz')).status).toBe(200);
  });

  test('when a customer’s orders are read, then they come newest first with their items and totals', async () => {
    const res = await get('/customers/1/orders?limit=50');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Record<string, unknown>[]; next_cursor: unknown };
    expect(body.data.length).toBeGreaterThan(0);
    for (const o of body.data) {
      expect(Object.keys(o).sort()).toEqual([
        'created_at',
        'customer_id',
        'id',
        'items',
        'status',
        'total_cents',
      ]);
      const items = o.items as { quantity: number; unit_price_cents: number; line_total_cents: number }[];
      for (const i of items) expect(i.line_total_cents).toBe(i.quantity * i.unit_price_cents);
      expect(o.total_cents).toBe(items.reduce((t, i) => t + i.line_total_cents, 0));
    }
    const keys = body.data.map((o) => [Date.parse(o.created_at as string), o.id as number] as const);
    const sorted = [...keys].sort((a, b) => b[0] - a[0] || b[1] - a[1]);
    expect(keys).toEqual(sorted);
  });

  test('when a page of 50 orders of a customer with thousands is read, then it answers within 100 ms', async () => {
    await get('/customers/1/orders?limit=50'); // warm-up
    const t0 = performance.now();
    const res = await get('/customers/2/orders?limit=50');
    const ms = performance.now() - t0;
    expect(res.status).toBe(200);
    // The grader counts statements and pages instead (README R6, R7); this is a local smoke test.
    expect(ms).toBeLessThan(100);
  });

  test('when products are searched with a % in the prefix, then % matches itself only', async () => {
    const res = await get(`/products/search?q=${encodeURIComponent('100%')}&limit=100`);
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { name: string }[] };
    for (const p of data) expect(p.name.toLowerCase().startsWith('100%')).toBe(true);
  });

  test('when limit is out of range, then 400 with the error JSON shape', async () => {
    const res = await get('/customers/1/orders?limit=51');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(errorShape);
  });
});
