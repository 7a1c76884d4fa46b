import { api, fail, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { DISTINCT } from './steps/data.ts';
import { expectPage, LIST, list, sql } from './steps/products.ts';

rubricTest(
  rubric,
  'etag-304',
  async () => {
    const query = { category: DISTINCT, sort: 'price', order: 'asc', limit: 5 };
    const first = await list(0, query);
    const p = expectPage(first, 5, 'a page of the distinct category');
    const etag = first.headers.etag;
    if (!etag || !/^(W\/)?".*"$/.test(etag)) fail(first, 'an ETag header ("…" or W/"…") on a 200');
    const strong = etag.replace(/^W\//, '');
    for (const inm of [strong, `W/${strong}`, `"nope", ${etag}`, '*']) {
      const ex = await list(0, query, { 'If-None-Match': inm });
      if (ex.status !== 304) fail(ex, `304 for If-None-Match: ${inm}`);
      if (ex.text !== '') fail(ex, 'no body on a 304');
      if (!ex.headers.etag) fail(ex, 'the ETag on a 304');
    }
    const other = await list(1, query, { 'If-None-Match': '"something-else"' });
    if (other.status !== 200) fail(other, '200 when If-None-Match names another tag');
    // A row on the page changes: the old tag no longer matches.
    const id = p.data[2]!.id as number;
    await sql(
      "UPDATE products SET name = name || ' (new)', updated_at = updated_at + interval '1 second' WHERE id = $1",
      [id],
    );
    const changed = await list(0, query, { 'If-None-Match': etag });
    if (changed.status !== 200) fail(changed, `200 with a new ETag once row ${id} on the page has changed`);
    if (changed.headers.etag === etag) fail(changed, `a new ETag once row ${id} on the page has changed`);
    const item = await api(1).get(`${LIST}/${id}`);
    if (!item.headers.etag) fail(item, 'an ETag on the 200 of one product');
    const again = await api(1).get(`${LIST}/${id}`, { headers: { 'If-None-Match': item.headers.etag } });
    if (again.status !== 304)
      fail(again, `304 for one product fetched again with If-None-Match: ${item.headers.etag}`);
  },
  { concurrent: true, timeout: 30_000 },
);

rubricTest(
  rubric,
  'gzip-vary',
  async () => {
    const r = seeded('gzip-vary');
    const sort = r.pick(['price', 'name', 'created_at']);
    // The smallest page whose body is over 1 KB (R12's bound), by the service's own JSON.
    let limit = 1;
    let bytes = 0;
    for (; limit <= 100; limit++) {
      const plain = await list(1, { limit, sort });
      if (plain.status !== 200) fail(plain, `200 for a page of ${limit}`);
      bytes = Buffer.byteLength(plain.text);
      if (bytes > 1024) break;
    }
    const ex = await list(0, { limit, sort }, { 'Accept-Encoding': 'gzip' });
    if (ex.status !== 200) fail(ex, `200 for a page of ${limit}`);
    if (ex.headers['content-encoding'] !== 'gzip')
      fail(
        ex,
        `Content-Encoding: gzip for a body just over 1 KB (${bytes} bytes unencoded) when Accept-Encoding: gzip`,
      );
    if (!/accept-encoding/i.test(ex.headers.vary ?? '')) fail(ex, 'Vary: Accept-Encoding');
    const plain = await list(1, { limit: 1, fields: 'id' });
    if (plain.headers['content-encoding'])
      fail(plain, 'no Content-Encoding when the client did not ask for one');
    if (!/accept-encoding/i.test(plain.headers.vary ?? ''))
      fail(plain, 'Vary: Accept-Encoding on every response');
  },
  { concurrent: true, timeout: 30_000 },
);
