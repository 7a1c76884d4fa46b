import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpStub } from '../src/stub.ts';
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

  test('when a grader scripts its stub, then the sandboxed service reaches it through its env and sees each scripted answer', async () => {
    const { seen, calls } = await fixtureNote<{
      seen: { status?: number; error?: string; slow: boolean }[];
      calls: { method: string; path: string; query: object; key: string; json: unknown; answered: unknown }[];
    }>('grader-stubs', 'stub-caller', 1);
    expect(seen.map((s) => s.status ?? s.error)).toEqual([503, 503, 402, 'TimeoutError', 200, 201]);
    expect(seen[4]!.slow).toBe(true);
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
