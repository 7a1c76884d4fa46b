import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLocalRedis } from '../src/provision/local-redis.ts';
import { FaultProxy } from '../src/proxy.ts';

let redis: Awaited<ReturnType<typeof startLocalRedis>>;
let proxy: FaultProxy;

beforeAll(async () => {
  redis = await startLocalRedis({ runDir: '/var/tmp', markerEnv: { BC_GRADE_RUN: 'proxy-test' } });
  proxy = new FaultProxy(redis.host, redis.port);
  await proxy.listen();
});

afterAll(async () => {
  await proxy.close();
  await redis.stop();
});

/** Open a connection through the proxy; resolves with a PING helper. */
function connect(): Promise<{
  sock: Socket;
  ping(timeoutMs: number): Promise<string>;
  closed: Promise<string>;
}> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    const closed = new Promise<string>((r) => {
      sock.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
      sock.on('close', () => r('closed'));
    });
    // The run's Redis asks for a password: each connection authenticates first, as a client would.
    const password = decodeURIComponent(new URL(redis.adminUrl!).password);
    sock.connect(proxy.port, '127.0.0.1', () => sock.write(`AUTH default ${password}\r\n`));
    sock.once('data', (d) =>
      d.toString().startsWith('+OK') ? ready() : reject(new Error(`AUTH: ${d.toString().trim()}`)),
    );
    const ready = () =>
      resolve({
        sock,
        closed,
        ping: (timeoutMs) =>
          new Promise((res) => {
            const t = setTimeout(() => res('timeout'), timeoutMs);
            sock.once('data', (d) => {
              clearTimeout(t);
              res(d.toString().trim());
            });
            sock.write('PING\r\n');
          }),
      });
    sock.once('error', reject);
  });
}

/** A new connection while the proxy refuses: how it ends, whether or not it got to connect. */
function attempt(): Promise<string> {
  return new Promise((resolve) => {
    const sock = new Socket();
    sock.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    sock.on('close', () => resolve('closed'));
    sock.on('data', () => resolve('answered'));
    sock.connect(proxy.port, '127.0.0.1', () => sock.write('PING\r\n'));
  });
}

describe('fault proxy in front of a real Redis', () => {
  test('when up, then commands pass through', async () => {
    const c = await connect();
    expect(await c.ping(1000)).toBe('+PONG');
    c.sock.destroy();
  });

  test('when down, then open connections are reset and new ones refused; up restores service', async () => {
    const open = await connect();
    proxy.set({ mode: 'down' });
    expect(await open.closed).toMatch(/ECONNRESET|closed/);
    expect(await attempt()).toMatch(/ECONNRESET|closed/);
    proxy.set({ mode: 'up' });
    const again = await connect();
    expect(await again.ping(1000)).toBe('+PONG');
    again.sock.destroy();
  });

  test('when blackholed, then connections stay open but nothing answers, until it is lifted', async () => {
    const c = await connect();
    proxy.set({ mode: 'blackhole' });
    expect(await c.ping(300)).toBe('timeout');
    proxy.set({ mode: 'up' });
    // As after a healed partition, what was held back is delivered too: the first PONG and ours.
    expect(await c.ping(1000)).toMatch(/^\+PONG/);
    c.sock.destroy();
  });

  test('when latency is added, then every round trip takes at least that long', async () => {
    const c = await connect();
    proxy.set({ mode: 'latency', ms: 150 });
    const t0 = Date.now();
    expect(await c.ping(2000)).toBe('+PONG');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    proxy.set({ mode: 'up' });
    c.sock.destroy();
  });
});
