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
 * socket, and one left hanging is destroyed), saying where it stopped if no answer came. Opening
 * the connection has `connectMs` of its own, as a test's request has: a SYN lost on a loaded
 * machine is sent again after 1 s, and must not cost the probe.
 */
export function probeHealth(url: string, timeouts: { connectMs: number; answerMs: number }): Promise<Probe> {
  return new Promise((resolve) => {
    let settled = false;
    const end = (p: Probe): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(p);
    };
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      end({ kind: 'status', status: res.statusCode ?? 0 });
    });
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        clearTimeout(timer);
        timer = setTimeout(() => end({ kind: 'silent' }), timeouts.answerMs);
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') end({ kind: 'refused' });
      else end({ kind: 'closed', code: e.code ?? e.message });
    });
    let timer = setTimeout(() => end({ kind: 'unreachable' }), timeouts.connectMs);
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
