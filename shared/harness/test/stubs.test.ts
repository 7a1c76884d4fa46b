import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpStub, type StubModel } from '../src/stub.ts';
import { fixtureNote } from './fixture-grading.ts';

describe('HTTP stubs of downstream services', () => {
  let stub: HttpStub;
  beforeAll(async () => {
    stub = new HttpStub('inventory');
    await stub.listen();
  });
  afterAll(() => stub.close());

  test('when no rule matches, then the fallback answers and every call is recorded with its body', async () => {
    stub.setScript({
      rules: [{ path: '/items/1', respond: { status: 404 } }],
      fallback: { status: 200, json: { n: 3 } },
    });
    const a = await fetch(`${stub.url}/items/2?x=1`, { method: 'PUT', body: '{"q":1}' });
    const b = await fetch(`${stub.url}/items/1`);
    expect([a.status, await a.json(), b.status]).toEqual([200, { n: 3 }, 404]);
    expect(
      stub
        .recorded()
        .map(({ method, path, query, json, answered }) => ({ method, path, query, json, answered })),
    ).toEqual([
      { method: 'PUT', path: '/items/2', query: { x: '1' }, json: { q: 1 }, answered: 200 },
      { method: 'GET', path: '/items/1', query: {}, answered: 404 },
    ]);
  });

  test('when rules are added scoped to a body and lapsing after a while, then only those calls meet them, only until then', async () => {
    stub.setScript({ fallback: { status: 200, json: {} } });
    stub.addRules([
      { method: 'POST', path: '/charges', body: { amountCents: 7 }, forMs: 300, respond: { status: 503 } },
    ]);
    stub.addRules([
      { method: 'POST', path: '/charges', body: { amountCents: 8 }, times: 1, respond: { status: 402 } },
    ]);
    const post = (amountCents: number) =>
      fetch(`${stub.url}/charges`, {
        method: 'POST',
        body: JSON.stringify({ amountCents, orderId: 'o' }),
      }).then((r) => r.status);
    expect([await post(7), await post(8), await post(8), await post(9)]).toEqual([503, 402, 200, 200]);
    await new Promise((r) => setTimeout(r, 350));
    expect(await post(7)).toBe(200);
  });

  test('when reset, then the script and the calls are gone and hung requests are cut', async () => {
    stub.setScript({ fallback: { hang: true } });
    const hung = fetch(`${stub.url}/x`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 100));
    stub.reset();
    expect(await hung).toBe('cut');
    expect(stub.recorded()).toEqual([]);
    expect((await fetch(`${stub.url}/y`)).status).toBe(200);
  });

  test('when a grader scripts its stubs, then the sandboxed service sees each scripted answer and a stub model keeps state the grader reads back', async () => {
    const { seen, calls, ledgerStatuses, ledgerState } = await fixtureNote<{
      ledgerStatuses: number[];
      ledgerState: unknown;
      seen: { status?: number; error?: string; slow: boolean }[];
      calls: { method: string; path: string; query: object; key: string; json: unknown; answered: unknown }[];
    }>('grader-stubs', 'stub-caller', 1);
    expect(seen.map((s) => s.status ?? s.error)).toEqual([503, 503, 402, 'TimeoutError', 200, 201]);
    expect(seen[4]!.slow).toBe(true);
    // A stub with a model: loaded from the grader's config with the run's seed, state read back.
    expect(ledgerStatuses).toEqual([201, 200, 201]);
    expect(ledgerState).toEqual({ seed: 1, entries: 2 });
    expect(calls.map((c) => c.answered)).toEqual([503, 503, 402, 'hang', 200, 201]);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: '/charges',
      query: { order: '7' },
      key: 'k-7',
      json: { amountCents: 1250 },
    });
  });
});

/** An idempotent payment provider, as a saga grader's model would be: one charge per key. */
function paymentsModel(): StubModel & { charges: number } {
  const byKey = new Map<string, { status: number; json: unknown }>();
  const m = {
    charges: 0,
    handle(req: { headers: Record<string, string>; json?: unknown }) {
      const key = req.headers['idempotency-key'] ?? '';
      const seen = byKey.get(key);
      if (seen) return seen;
      m.charges++;
      const answer = {
        status: 201,
        json: { chargeId: `ch-${m.charges}`, amount: (req.json as { a: number }).a },
      };
      byKey.set(key, answer);
      return answer;
    },
    state: () => ({ charges: m.charges }),
    reset() {
      byKey.clear();
      m.charges = 0;
    },
  };
  return m;
}

describe('HTTP stubs with a model (a stateful fake under the script)', () => {
  let stub: HttpStub;
  beforeAll(async () => {
    stub = new HttpStub('payments', paymentsModel());
    await stub.listen();
  });
  afterAll(() => stub.close());

  const charge = (key: string, a: number, timeoutMs = 2000) =>
    fetch(`${stub.url}/charges`, {
      method: 'POST',
      headers: { 'idempotency-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ a }),
      signal: AbortSignal.timeout(timeoutMs),
    }).then(
      async (r) => ({ status: r.status, json: await r.json() }),
      (e: Error) => ({ status: 0, json: e.name }),
    );

  test('when no rule matches, then the model answers and keeps its state', async () => {
    stub.reset();
    expect(await charge('k1', 5)).toEqual({ status: 201, json: { chargeId: 'ch-1', amount: 5 } });
    expect(await charge('k1', 5)).toEqual({ status: 201, json: { chargeId: 'ch-1', amount: 5 } });
    expect(await charge('k2', 7)).toEqual({ status: 201, json: { chargeId: 'ch-2', amount: 7 } });
    expect(stub.state()).toEqual({ charges: 2 });
    expect(stub.recorded().map((c) => c.answered)).toEqual([201, 201, 201]);
  });

  test("when a rule drops the model's answer, then the effect happened and a retry with the same key gets the first answer", async () => {
    stub.reset();
    stub.setScript({ rules: [{ path: '/charges', times: 1, respond: { model: true, drop: 'hang' } }] });
    expect((await charge('k9', 3, 300)).status).toBe(0);
    expect(stub.state()).toEqual({ charges: 1 });
    expect(await charge('k9', 3)).toEqual({ status: 201, json: { chargeId: 'ch-1', amount: 3 } });
    expect(stub.state()).toEqual({ charges: 1 });
    expect(stub.recorded().map((c) => c.answered)).toEqual(['hang', 201]);
    // The client's 300 ms timeout closed the hung call: the stub saw when.
    const [hung] = stub.recorded();
    expect(hung!.closedAt! - hung!.at).toBeGreaterThanOrEqual(250);
    expect(hung!.closedAt! - hung!.at).toBeLessThan(2_000);
  });

  test('when rules fail a call before the model or delay its answer, then the model sees only what passed', async () => {
    stub.reset();
    stub.setScript({
      rules: [
        { path: '/charges', times: 2, respond: { status: 503, json: { error: 'busy' } } },
        { path: '/charges', times: 1, respond: { model: true, delayMs: 250 } },
      ],
    });
    expect((await charge('k5', 1)).status).toBe(503);
    expect((await charge('k5', 1)).status).toBe(503);
    const t0 = Date.now();
    expect(await charge('k5', 1)).toEqual({ status: 201, json: { chargeId: 'ch-1', amount: 1 } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    expect(stub.state()).toEqual({ charges: 1 });
  });

  test('when reset, then the model is back to its initial state', async () => {
    await charge('k7', 1);
    stub.reset();
    expect(stub.state()).toEqual({ charges: 0 });
    expect(await charge('k7', 1)).toEqual({ status: 201, json: { chargeId: 'ch-1', amount: 1 } });
  });
});
