// A local stand-in for the grader's origin (README "The origin"), for `npm run origin`: every call
// takes 100-300 ms and is counted; GET /_calls lists them, POST /_calls/reset clears them.
// Ids starting with "unknown-" do not exist. The grader's origin also fails and hangs on purpose.
import { createServer } from 'node:http';

const port = Number(process.env.ORIGIN_PORT ?? 4000);
const products = new Map();
const calls = [];

const productOf = (id) => {
  if (!products.has(id) && !id.startsWith('unknown-'))
    products.set(id, { id, name: `Product ${id}`, priceCents: 1000 + id.length, version: 1 });
  return products.get(id);
};

const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
};

createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => {
    raw += c;
  });
  req.on('end', () => {
    const url = new URL(req.url, 'http://origin');
    if (url.pathname === '/_calls') return send(res, 200, calls);
    if (url.pathname === '/_calls/reset') return send(res, 200, calls.splice(0));
    calls.push({ method: req.method, path: url.pathname, query: url.search, at: Date.now() });
    setTimeout(
      () => {
        const one = /^\/products\/([^/]+)$/.exec(url.pathname);
        if (req.method === 'GET' && one) {
          const p = productOf(decodeURIComponent(one[1]));
          return p ? send(res, 200, p) : send(res, 404, { error: { code: 'not_found', message: one[1] } });
        }
        if (req.method === 'GET' && url.pathname === '/products') {
          const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
          return send(res, 200, { products: ids.map(productOf).filter(Boolean) });
        }
        if (req.method === 'PUT' && one) {
          const p = productOf(decodeURIComponent(one[1]));
          if (!p) return send(res, 404, { error: { code: 'not_found', message: one[1] } });
          const body = JSON.parse(raw || '{}');
          const next = { ...p, name: body.name, priceCents: body.priceCents, version: p.version + 1 };
          products.set(p.id, next);
          return send(res, 200, next);
        }
        if (req.method === 'GET' && url.pathname === '/recommendations') {
          const user = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
          if (!user) return send(res, 401, { error: { code: 'unauthorized', message: 'a Bearer token' } });
          return send(res, 200, { user, items: [`p-1-${user}`, `p-2-${user}`] });
        }
        send(res, 404, { error: { code: 'not_found', message: url.pathname } });
      },
      100 + Math.floor(Math.random() * 201),
    );
  });
}).listen(port, () => console.log(`origin on http://localhost:${port}`));
