import { createServer, type Server, Socket } from 'node:net';

/** What the proxy does to traffic. */
export type FaultMode =
  | { mode: 'up' }
  /** Reset every open connection and refuse new ones, like a crashed server. */
  | { mode: 'down' }
  /** Keep connections open but forward nothing, like a hung server or a partition. */
  | { mode: 'blackhole' }
  /** Forward everything, each chunk delayed by `ms`. */
  | { mode: 'latency'; ms: number };

interface Pair {
  client: Socket;
  upstream: Socket;
  openedAt: number;
  /** Chunks read while blackholed, delivered in order when the fault lifts (TCP never drops them). */
  held: { to: Socket; chunk: Buffer }[];
}

/**
 * A TCP proxy in front of a dependency, so graders can cut it mid-run. Debian ships no toxiproxy,
 * and these four modes are all the graders need.
 */
export class FaultProxy {
  private server: Server;
  private pairs = new Set<Pair>();
  private state: FaultMode = { mode: 'up' };
  /** When the proxy last went back to `up` after a fault (0: never faulted). */
  private healedAt = 0;
  /** Bytes forwarded from clients to the service, ever: a test reads it to see the service used. */
  bytesToService = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer({ noDelay: true }, (client) => this.accept(client));
  }

  /** Listen on `host` (loopback, or a container network's gateway for --sandbox docker). */
  async listen(port = 0, host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const addr = this.server.address();
    this.port = addr && typeof addr === 'object' ? addr.port : 0;
    return this.port;
  }

  get mode(): FaultMode {
    return this.state;
  }

  set(state: FaultMode): void {
    const prev = this.state;
    this.state = state;
    if (state.mode === 'up' && prev.mode !== 'up') this.healedAt = Date.now();
    if (state.mode === 'down') {
      for (const p of this.pairs) this.destroy(p, true);
    } else if (state.mode === 'blackhole') {
      for (const p of this.pairs) {
        p.client.pause();
        p.upstream.pause();
      }
    } else if (prev.mode === 'blackhole') {
      for (const p of this.pairs) {
        for (const { to, chunk } of p.held.splice(0)) this.deliver(to, p, chunk, state);
        p.client.resume();
        p.upstream.resume();
      }
    }
  }

  /** True when a fault was lifted and fewer than `clients` connections have been opened since. */
  awaitingReconnect(clients: number): boolean {
    if (this.healedAt === 0 || this.state.mode !== 'up') return false;
    let fresh = 0;
    for (const p of this.pairs) if (p.openedAt >= this.healedAt) fresh++;
    return fresh < clients;
  }

  /** Forget the last fault, once the grader has waited for clients to come back. */
  settle(): void {
    this.healedAt = 0;
  }

  private deliver(to: Socket, p: Pair, chunk: Buffer, s: FaultMode): void {
    if (to === p.upstream) this.bytesToService += chunk.length;
    if (s.mode === 'latency') setTimeout(() => to.writable && to.write(chunk), s.ms);
    else if (to.writable) to.write(chunk);
  }

  private destroy(p: Pair, reset: boolean): void {
    this.pairs.delete(p);
    if (reset) {
      p.client.resetAndDestroy();
      p.upstream.resetAndDestroy();
    } else {
      p.client.destroy();
      p.upstream.destroy();
    }
  }

  private accept(client: Socket): void {
    if (this.state.mode === 'down') {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, openedAt: Date.now(), held: [] };
    this.pairs.add(pair);
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        // Blackholed: the socket is paused, but a chunk already read is held, not dropped.
        if (this.state.mode === 'blackhole') pair.held.push({ to, chunk });
        else this.deliver(to, pair, chunk, this.state);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    if (this.state.mode === 'blackhole') {
      client.pause();
    }
    const close = (): void => {
      if (this.pairs.has(pair)) this.destroy(pair, false);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    upstream.connect(this.targetPort, this.targetHost);
  }

  async close(): Promise<void> {
    for (const p of this.pairs) this.destroy(p, false);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
