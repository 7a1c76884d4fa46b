import { api, expectErrorJson, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';

rubricTest(rubric, 'accounts-v1', async () => {
  const r = seeded('accounts-v1');
  const email = `v1-${r.int(0, 1e9)}@example.test`;
  const created = await api(0).post('/accounts', { email, first_name: 'Mary Ann', last_name: 'Lee' });
  if (created.status !== 201) fail(created, '201 with the account (R1)');
  const id = (created.json as { id: number }).id;
  const read = await api(1).get(`/accounts/${id}`);
  const want = { id, email, first_name: 'Mary Ann', last_name: 'Lee', name: 'Mary Ann Lee' };
  if (read.status !== 200 || JSON.stringify(read.json) !== JSON.stringify(want))
    fail(read, `200 ${JSON.stringify(want)} on the other instance (R1, R2)`);
  const changed = await api(1).request('PATCH', `/accounts/${id}`, { json: { last_name: 'Ng' } });
  const want2 = { ...want, last_name: 'Ng', name: 'Mary Ann Ng' };
  if (changed.status !== 200 || JSON.stringify(changed.json) !== JSON.stringify(want2))
    fail(changed, `200 ${JSON.stringify(want2)}: the first name kept (R1, R2)`);
  const taken = await api(0).post('/accounts', { email, first_name: 'Bo', last_name: '' });
  if (taken.status !== 409) fail(taken, '409: the email belongs to another account (R1)');
  expectErrorJson(taken, 'the error JSON (R1)');
  const missing = await api(0).get('/accounts/99999999999');
  if (missing.status !== 404) fail(missing, '404: no such account (R1)');
});

rubricTest(rubric, 'inputs-refused', async () => {
  const bad: [string, Record<string, unknown>][] = [
    ['first_name empty', { first_name: '', last_name: 'X' }],
    ['first_name of 51 characters', { first_name: 'A'.repeat(51), last_name: 'X' }],
    ['two spaces in first_name', { first_name: 'Mary  Ann', last_name: 'X' }],
    ['a space in last_name', { first_name: 'Mary', last_name: 'Van Dyke' }],
    ['last_name of 51 characters', { first_name: 'Mary', last_name: 'B'.repeat(51) }],
    ['a digit in first_name', { first_name: 'R2D2', last_name: '' }],
    ['first_name not a string', { first_name: 7, last_name: '' }],
    ['a first_name of two words and no last_name', { first_name: 'Mary Ann', last_name: '' }],
  ];
  for (const [what, names] of bad) {
    const email = `bad-${what.replace(/\W/g, '')}@example.test`;
    const ex = await api(0).post('/accounts', { email, ...names });
    if (ex.status !== 400) fail(ex, `400: ${what} (R2)`);
    expectErrorJson(ex, `the error JSON for ${what} (R2)`);
    // Nothing stored: the email is still free.
    const again = await api(0).post('/accounts', { email, first_name: 'Ok', last_name: '' });
    if (again.status !== 201)
      fail(again, `201: the refused account (${what}) must not have been stored (R2)`);
  }
  for (const id of ['abc', '0', '-1', '1.5']) {
    const ex = await api(0).get(`/accounts/${id}`);
    if (ex.status !== 400) fail(ex, `400: ${id} is not an account id (R2)`);
  }
});

rubricTest(rubric, 'names-are-values', async () => {
  const r = seeded('names-are-values');
  const n = r.int(0, 1e9);
  // Apostrophes are name characters (R2), and an email may hold any character but a space.
  const cases = [
    { email: `o'brien-${n}@example.test`, first_name: "D'Arcy", last_name: "O'Brien" },
    {
      email: `x');DROP/**/TABLE/**/accounts;--${n}@example.test`,
      first_name: "Jean-Luc O'Neil",
      last_name: "D'Souza",
    },
    { email: `"${n}'\\"@example.test`, first_name: 'Anne', last_name: "'--" },
  ];
  for (const c of cases) {
    const ex = await api(0).post('/accounts', c);
    if (ex.status !== 201) fail(ex, `201: ${JSON.stringify(c)} is a legal account, quotes and all (R2)`);
    const got = await api(1).get(`/accounts/${(ex.json as { id: number }).id}`);
    const a = got.json as Record<string, unknown>;
    if (a.first_name !== c.first_name || a.last_name !== c.last_name || a.email !== c.email)
      fail(got, `the account as written: ${JSON.stringify(c)} (R2)`);
  }
});

rubricTest(rubric, 'email-once', async () => {
  const r = seeded('email-once');
  // Twenty emails, each sent to both instances at once: a lookup before the insert lets both
  // requests of some pairs through to the unique index (one pair alone missed it on a seed).
  const emails = Array.from({ length: 20 }, (_, i) => `race-${r.int(0, 1e9)}-${i}@example.test`);
  const pairs = await Promise.all(
    emails.map((email) =>
      Promise.all([
        api(0).post('/accounts', { email, first_name: 'Ann', last_name: 'A' }),
        api(1).post('/accounts', { email, first_name: 'Bea', last_name: 'B' }),
      ]),
    ),
  );
  for (const [a, b] of pairs) {
    const statuses = [a.status, b.status].sort();
    if (statuses[0] !== 201 || statuses[1] !== 409)
      fail(a.status === 201 ? b : a, 'one 201 and one 409 for one email sent to both instances at once (R1)');
  }
});
