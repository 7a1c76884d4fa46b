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
}

/**
 * A TCP proxy in front of a dependency, so graders can cut it mid-run. Debian ships no toxiproxy,
 * and these four modes are all the graders need.
 */
export class FaultProxy {
  private server: Server;
  private pairs = new Set<Pair>();
  private state: FaultMode = { mode: 'up' };
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer({ noDelay: true }, (client) => this.accept(client));
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
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
    if (state.mode === 'down') {
      for (const p of this.pairs) this.destroy(p, true);
    } else if (state.mode === 'blackhole') {
      for (const p of this.pairs) {
        p.client.pause();
        p.upstream.pause();
      }
    } else if (prev.mode === 'blackhole') {
      for (const p of this.pairs) {
        p.client.resume();
        p.upstream.resume();
      }
    }
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
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk) => {
        const s = this.state;
        if (s.mode === 'latency') setTimeout(() => to.writable && to.write(chunk), s.ms);
        else if (s.mode === 'up') to.write(chunk);
        // blackhole: the socket is paused; a chunk already read is dropped, as a partition would.
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
