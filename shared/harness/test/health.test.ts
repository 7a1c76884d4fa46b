import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { probeHealth } from '../src/health.ts';
import { portBacklog } from '../src/supervisor/proc.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  return (server.address() as AddressInfo).port;
}

/** A process that listens on a port and never accepts: its kernel completes handshakes into the queue. */
async function neverAccepts(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    'python3',
    [
      '-c',
      "import socket,time\ns=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(16)\nprint(s.getsockname()[1], flush=True); time.sleep(60)",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  cleanups.push(() => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve) =>
    child.stdout!.once('data', (d) => resolve(Number(String(d)))),
  );
  return { child, port };
}

const canDropPackets = process.getuid?.() === 0 && spawnSync('iptables', ['-w', '-S', 'INPUT']).status === 0;

describe('health probes say where a start-up stalled', () => {
  test('when the service answers, then the probe reports its status; when nothing listens, then refused', async () => {
    const port = await listen(createHttpServer((_q, r) => r.writeHead(503).end()));
    expect(
      await probeHealth(`http://127.0.0.1:${port}/healthz`, { connectMs: 1000, answerMs: 1000 }),
    ).toEqual({
      kind: 'status',
      status: 503,
    });
    const closed = await listen(createServer());
    cleanups.pop()!();
    expect(
      await probeHealth(`http://127.0.0.1:${closed}/healthz`, { connectMs: 1000, answerMs: 1000 }),
    ).toEqual({ kind: 'refused' });
  });

  test('when a service accepts and never reads, then the probe is silent and the kernel shows the request unread', async () => {
    const held: Socket[] = [];
    const port = await listen(createServer((s) => held.push(s)));
    cleanups.push(() => {
      for (const s of held) s.destroy();
    });
    expect(await probeHealth(`http://127.0.0.1:${port}/healthz`, { connectMs: 500, answerMs: 500 })).toEqual({
      kind: 'silent',
    });
    const backlog = portBacklog([process.pid], port);
    expect(backlog.accepted).toBeGreaterThanOrEqual(1);
    expect(backlog.unread).toBeGreaterThanOrEqual(1);
    expect(backlog.unaccepted).toBe(0);
  });

  test('when a service listens and never accepts, then its accept queue holds the probes', async () => {
    const { child, port } = await neverAccepts();
    expect(await probeHealth(`http://127.0.0.1:${port}/healthz`, { connectMs: 300, answerMs: 300 })).toEqual({
      kind: 'silent',
    });
    expect(await probeHealth(`http://127.0.0.1:${port}/healthz`, { connectMs: 300, answerMs: 300 })).toEqual({
      kind: 'silent',
    });
    expect(portBacklog([child.pid!], port)).toEqual({ unaccepted: 2, accepted: 0, unread: 0 });
  });

  test.skipIf(!canDropPackets)(
    'when packets to a listening service are dropped on the way, then the probe says the connection was never made and nothing reached the service',
    async () => {
      const { child, port } = await neverAccepts();
      const rule = ['INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(port), '--syn', '-j', 'DROP'];
      spawnSync('iptables', ['-w', '-I', ...rule]);
      cleanups.push(() => spawnSync('iptables', ['-w', '-D', ...rule]));
      expect(
        await probeHealth(`http://127.0.0.1:${port}/healthz`, { connectMs: 300, answerMs: 300 }),
      ).toEqual({ kind: 'unreachable' });
      expect(portBacklog([child.pid!], port)).toEqual({ unaccepted: 0, accepted: 0, unread: 0 });
    },
  );
  test.skipIf(!canDropPackets)(
    'when the first SYN to a service is lost, then the probe waits for its resend and gets the answer',
    async () => {
      const port = await listen(createHttpServer((_q, r) => r.end('ok')));
      const rule = ['INPUT', '-i', 'lo', '-p', 'tcp', '--dport', String(port), '--syn', '-j', 'DROP'];
      spawnSync('iptables', ['-w', '-I', ...rule]);
      const lifted = new Promise<void>((r) =>
        setTimeout(() => {
          spawnSync('iptables', ['-w', '-D', ...rule]);
          r();
        }, 300),
      );
      const probe = await probeHealth(`http://127.0.0.1:${port}/healthz`, {
        connectMs: 5000,
        answerMs: 1000,
      });
      await lifted;
      expect(probe).toEqual({ kind: 'status', status: 200 });
    },
  );
});
