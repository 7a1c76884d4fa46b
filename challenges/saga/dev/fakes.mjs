// Fakes of the three services you call, for running your service locally (the grader runs its
// own). Every call needs an Idempotency-Key; a repeated key gets the first answer and does nothing
// twice. Permanent failures on demand: a SKU starting with "none-" is out of stock (409), an
// amountCents ending in 402 (1402, 3402…) is declined (402), an address containing "Nowhere" is
// undeliverable (422). No faults: add your own to try retries.
//   node dev/fakes.mjs   → inventory on :4001, payment on :4002, shipping on :4003
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

function service(port, name, routes) {
  const answers = new Map();
  createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    const send = (status, json) => {
      res.writeHead(status, json ? { 'content-type': 'application/json' } : {});
      res.end(json ? JSON.stringify(json) : undefined);
    };
    const key = req.headers['idempotency-key'];
    if (!key) return send(400, { error: { code: 'idempotency_key_required', message: 'Idempotency-Key' } });
    const scoped = `${req.method} ${req.url} ${key}`;
    if (answers.has(scoped)) return send(...answers.get(scoped));
    const body = raw ? JSON.parse(raw) : {};
    for (const [pattern, handle] of Object.entries(routes)) {
      const [method, path] = pattern.split(' ');
      const m = new RegExp(`^${path.replace(':id', '([^/]+)')}$`).exec(req.url);
      if (req.method !== method || !m) continue;
      const answer = handle(body, m[1]);
      answers.set(scoped, answer);
      console.log(`${name}: ${req.method} ${req.url} → ${answer[0]}`);
      return send(...answer);
    }
    send(404, { error: { code: 'not_found', message: req.url } });
  }).listen(port, () => console.log(`${name} fake on http://localhost:${port}`));
}

service(4001, 'inventory', {
  'POST /reservations': (b) =>
    String(b.sku).startsWith('none-')
      ? [409, { error: { code: 'out_of_stock', message: 'none left' } }]
      : [201, { reservationId: randomUUID() }],
  'DELETE /reservations/:id': () => [204],
});
service(4002, 'payment', {
  'POST /charges': (b) =>
    b.amountCents % 1000 === 402
      ? [402, { error: { code: 'declined', message: 'card declined' } }]
      : [201, { chargeId: randomUUID() }],
  'POST /charges/:id/refund': () => [201, {}],
});
service(4003, 'shipping', {
  'POST /shipments': (b) =>
    String(b.address).includes('Nowhere')
      ? [422, { error: { code: 'undeliverable', message: 'no route' } }]
      : [201, { shipmentId: randomUUID() }],
});
