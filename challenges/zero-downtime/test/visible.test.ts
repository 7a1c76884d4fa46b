import { describe, expect, test } from 'vitest';

// The visible part of the grade, run against your service as version 1 *after* your expand step
// (the table filled as the README says):
//   DATABASE_URL=… MIGRATION_STEP=expand npm start
//   DATABASE_URL=… APP_VERSION=1 PORT=3000 npm start &
//   TARGET_URL=http://localhost:3000 npm run test:visible
const target = process.env.TARGET_URL ?? 'http://localhost:3000';
const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };
const send = (method: string, path: string, body?: unknown) =>
  fetch(`${target}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
const join = (a: { first_name: string; last_name: string }) =>
  a.last_name === '' ? a.first_name : `${a.first_name} ${a.last_name}`;

describe('zero downtime (visible tests)', () => {
  test('when the service is up, then GET /healthz answers 200', async () => {
    expect((await send('GET', '/healthz')).status).toBe(200);
  });

  test('when expand has run, then version 1 still reads an account as it was written (R3)', async () => {
    const res = await send('GET', '/accounts/1');
    expect(res.status).toBe(200);
    const a = (await res.json()) as { id: number; first_name: string; last_name: string; name: string };
    expect(a.id).toBe(1);
    expect(a.first_name.length).toBeGreaterThan(0);
    expect(a.name).toBe(join(a));
  });

  test('when an account is created and its last name removed on version 1 after expand, then the answers hold (R1, R2)', async () => {
    const email = `visible-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`;
    const made = await send('POST', '/accounts', { email, first_name: 'Ada', last_name: "O'Brien" });
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as { id: number };
    const changed = await send('PATCH', `/accounts/${id}`, { last_name: '' });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toEqual({
      id,
      email,
      first_name: 'Ada',
      last_name: '',
      name: 'Ada',
    });
    const again = await send('GET', `/accounts/${id}`);
    expect(await again.json()).toEqual({
      id,
      email,
      first_name: 'Ada',
      last_name: '',
      name: 'Ada',
    });
  });

  test('when a last name holds a space, then 400 with the error JSON, and nothing is stored (R2)', async () => {
    const email = `visible-bad-${Date.now()}@example.test`;
    const res = await send('POST', '/accounts', { email, first_name: 'Mary', last_name: 'Van Dyke' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(errorShape);
    expect((await send('POST', '/accounts', { email, first_name: 'Mary', last_name: 'Dyke' })).status).toBe(
      201,
    );
  });
});
