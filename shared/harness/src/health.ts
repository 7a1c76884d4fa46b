import { request } from 'node:http';

/**
 * How one health probe ended. `unreachable`: the TCP handshake never completed (nothing answered
 * the SYN), which a listening service's kernel does by itself unless its accept queue is full or
 * the way there drops packets; `silent`: connected, and no answer came.
 */
export type Probe =
  | { kind: 'status'; status: number }
  | { kind: 'refused' }
  | { kind: 'unreachable' }
  | { kind: 'silent' }
  | { kind: 'closed'; code: string };

/**
 * GET `url` once on a connection of its own (no pool: a probe never waits behind another's
 * socket, and one left hanging is destroyed), saying where it stopped if no answer came.
 */
export function probeHealth(url: string, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const end = (p: Probe): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(p);
    };
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      end({ kind: 'status', status: res.statusCode ?? 0 });
    });
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') end({ kind: 'refused' });
      else end({ kind: 'closed', code: e.code ?? e.message });
    });
    const timer = setTimeout(() => end(connected ? { kind: 'silent' } : { kind: 'unreachable' }), timeoutMs);
    req.end();
  });
}

/** A probe's ending in words, for a verdict. */
export function describeProbe(p: Probe): string {
  switch (p.kind) {
    case 'status':
      return `status ${p.status}`;
    case 'refused':
      return 'connection refused';
    case 'unreachable':
      return 'a connection that was never accepted';
    case 'silent':
      return 'a request that never got an answer';
    case 'closed':
      return `the connection closed without an answer (${p.code})`;
  }
}
