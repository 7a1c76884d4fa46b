import type { StubRequest, StubResponse } from '@bc/harness/kit';
import { describe, expect, test } from 'vitest';
import origin, { CATALOGUE_KEY_HEADER, type OriginState } from '../stubs/origin.ts';

// The service under grading reaches the origin stub too: the grader's own routes must not answer it.
const request = (method: string, path: string, headers: Record<string, string> = {}): StubRequest => ({
  method,
  path,
  query: {},
  headers,
  body: method === 'PUT' ? '{"name":"Edited","priceCents":1}' : '',
  ...(method === 'PUT' ? { json: { name: 'Edited', priceCents: 1 } } : {}),
});
const status = async (r: StubResponse | Promise<StubResponse>) => {
  const answered = await r;
  return 'status' in answered ? answered.status : answered;
};

describe('the origin stub', () => {
  test("when a request to the catalogue's routes lacks the run's key, then they are unknown routes and nothing changes", async () => {
    const model = origin({ seed: 7 });
    const { catalogueKey } = model.state!() as OriginState;
    expect(await status(model.handle(request('PUT', '/_catalogue/products/p-1')))).toBe(404);
    expect(await status(model.handle(request('GET', '/_catalogue/products/p-1')))).toBe(404);
    expect(
      await status(
        model.handle(request('PUT', '/_catalogue/products/p-1', { [CATALOGUE_KEY_HEADER]: 'guess' })),
      ),
    ).toBe(404);
    expect((model.state!() as OriginState).products).toEqual({});
    const key = { [CATALOGUE_KEY_HEADER]: catalogueKey };
    expect(await status(model.handle(request('PUT', '/_catalogue/products/p-1', key)))).toBe(200);
    expect((model.state!() as OriginState).products['p-1']).toMatchObject({ name: 'Edited', priceCents: 1 });
    expect(origin({ seed: 7 }).state!()).not.toMatchObject({ catalogueKey });
  });
});
