import { createHash } from 'node:crypto';
import { clientAddress, type Exchange, fail, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  account,
  adminUsers,
  emailFor,
  expectPair,
  expectStatus,
  login,
  me,
  passwordFor,
  register,
  settings,
  sql,
} from './steps/auth.ts';

/** Every text or JSON value of every column of every table the service made. */
async function allText(): Promise<{ where: string; value: string }[]> {
  const cols = await sql<{ table_schema: string; table_name: string; column_name: string }>(
    `SELECT c.table_schema, c.table_name, c.column_name
       FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE t.table_type = 'BASE TABLE'
        AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')
        AND c.table_name NOT LIKE 'pg\\_%'`,
  );
  const out: { where: string; value: string }[] = [];
  for (const c of cols) {
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const col = q(c.column_name);
    const rows = await sql<{ v: string | null }>(
      `SELECT ${col}::text AS v FROM ${q(c.table_schema)}.${q(c.table_name)}`,
    );
    for (const r of rows) if (r.v) out.push({ where: `${c.table_name}.${c.column_name}`, value: r.v });
  }
  return out;
}

/** Why `h` is not a KDF hash at the stated cost (R12), or null when it is one. */
function weakness(h: string): string | null {
  let m = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(h);
  if (m) return Number(m[1]) >= 10 ? null : `bcrypt cost ${Number(m[1])} (at least 10)`;
  m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$[^$]+\$[^$]+$/.exec(h);
  if (m)
    return Number(m[1]) >= 14 && Number(m[2]) >= 8
      ? null
      : `scrypt ln=${m[1]}, r=${m[2]} (at least ln=14, r=8)`;
  m = /^\$argon2(id|i|d)\$(?:v=\d+\$)?m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+$/.exec(h);
  if (m)
    return Number(m[2]) >= 19456 && Number(m[3]) >= 2
      ? null
      : `argon2 m=${m[2]}, t=${m[3]} (at least m=19456, t=2)`;
  return 'not bcrypt, scrypt or argon2 in the stated format';
}
const looksLikeKdf = (v: string) => /^\$(2[aby]|scrypt|argon2(id|i|d))\$/.test(v);

rubricTest(rubric, 'password-storage', async () => {
  const before = new Set((await allText()).map((x) => x.value));
  const email = emailFor('storage');
  const password = passwordFor('storage');
  const r = await register(0, { email, password });
  if (r.status !== 201) fail(r, '201 for the account whose password storage is checked (R1)');
  const added = (await allText()).filter((x) => !before.has(x.value));
  const sha = createHash('sha256').update(password).digest('hex');
  const shown = `${added.length} value(s) appeared in the database: ${added.map((x) => x.where).join(', ')}`;
  for (const x of added) {
    if (x.value.includes(password) || x.value.includes(Buffer.from(password).toString('hex')))
      fail(r, `the password nowhere in the database (R12)`, `${x.where} holds it in plain text. ${shown}`);
    if (x.value.toLowerCase().includes(sha) || x.value.includes(Buffer.from(password).toString('base64')))
      fail(
        r,
        'the password stored only as a salted, slow hash (R12)',
        `${x.where} holds it as plain SHA-256 or base64.`,
      );
  }
  const hashes = added.filter((x) => looksLikeKdf(x.value));
  if (hashes.length === 0)
    fail(
      r,
      'a bcrypt, scrypt or argon2 hash in a text column for the new account (R12)',
      `None found. ${shown}`,
    );
  for (const h of hashes) {
    const why = weakness(h.value);
    if (why)
      fail(
        r,
        'bcrypt cost ≥ 10, scrypt ln ≥ 14 and r ≥ 8, or argon2 m ≥ 19456 and t ≥ 2 (R12)',
        `${h.where}: ${why}.`,
      );
  }
  const again = await register(1, { email: emailFor('storage', 1), password });
  if (again.status !== 201) fail(again, '201 for a second account with the same password (R1)');
  const twins = (await allText()).filter((x) => looksLikeKdf(x.value));
  const same = twins.length - new Set(twins.map((x) => x.value)).size;
  if (same > 0) fail(again, 'a salted hash: two accounts with one password store different hashes (R12)');
});

const SECRET_FIELD = /password|hash|salt/i;
function expectNoSecrets(ex: Exchange, password: string, what: string): void {
  const keys: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        keys.push(k);
        walk(x);
      }
  };
  walk(ex.json);
  const bad = keys.find((k) => SECRET_FIELD.test(k));
  if (bad) fail(ex, `no field about the password in ${what} (R12)`, `It has "${bad}".`);
  if (ex.text.includes(password) || looksLikeKdf(ex.text) || /"\$(2[aby]|scrypt|argon2)/.test(ex.text))
    fail(ex, `no password and no hash in ${what} (R12)`);
}

rubricTest(rubric, 'no-secrets-in-responses', async () => {
  const s = settings();
  const email = emailFor('leaks');
  const password = passwordFor('leaks');
  const r = await register(0, { email, password });
  expectStatus(r, [201], 'a new account (R1)');
  expectNoSecrets(r, password, 'the answer to a registration');
  const l = await login(1, email, password);
  const pair = expectPair(l, 'a login (R4)');
  expectNoSecrets(l, password, 'the answer to a login');
  const m = await me(0, pair.accessToken);
  expectNoSecrets(m, password, 'GET /me');
  const admin = expectPair(await login(0, s.adminEmail, s.adminPassword), 'the admin logging in (R9)');
  const list = await adminUsers(1, admin.accessToken, "the admin's access token");
  expectStatus(list, [200], "GET /admin/users with the admin's token (R9)");
  expectNoSecrets(list, password, 'GET /admin/users');
});

rubricTest(rubric, 'no-user-enumeration', async () => {
  const a = await account(0, 'enumeration');
  for (const i of [0, 1]) {
    const wrong = await login(i, a.email, `${a.password}-wrong`);
    const unknown = await login(i, emailFor('enumeration-nobody', i), `${a.password}-wrong`);
    expectStatus(wrong, [401], 'a wrong password (R4)');
    if (unknown.status !== wrong.status || unknown.text !== wrong.text)
      fail(
        unknown,
        `the same status and body as a wrong password for an existing account (R4): ${wrong.status} ${wrong.text.slice(0, 200)}`,
      );
  }
});

rubricTest(rubric, 'brute-force-429', async () => {
  const a = await account(0, 'brute');
  const other = await account(1, 'brute-other');
  // Five failures from five addresses over both instances, the email in varying case.
  for (let k = 0; k < 5; k++) {
    const email = k % 2 ? a.email.toUpperCase() : a.email;
    const ex = await login(k % 2, email, `wrong-${k}-password`, clientAddress(3, 10 + k));
    expectStatus(ex, [401], `failed login ${k + 1} of 5 (R4)`);
  }
  const locked = await login(1, a.email, a.password, clientAddress(3, 99));
  expectStatus(
    locked,
    [429],
    'a login with the right password after 5 failures for that email within a minute (R5)',
  );
  const ra = locked.headers['retry-after'];
  if (!ra || !/^\d+$/.test(ra) || Number(ra) < 1 || Number(ra) > 60)
    fail(locked, 'Retry-After in integer seconds from 1 to 60 (R5)');
  expectPair(
    await login(0, other.email, other.password, clientAddress(3, 10)),
    'another email, from an address that failed before (R5: other emails are not affected)',
  );
  // An unknown email locks the same way: otherwise a 429 would tell which emails exist.
  const nobody = emailFor('brute-nobody');
  for (let k = 0; k < 5; k++) await login(k % 2, nobody, `wrong-${k}-password`, clientAddress(4, 10 + k));
  expectStatus(
    await login(0, nobody, 'wrong-6-password', clientAddress(4, 99)),
    [429],
    `a 6th login for ${nobody}, an email without an account (R5)`,
  );
});
