import net, { type AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of a receiver that can lose answers, as a network
 * failing mid-reply does: the request goes through and the receiver acts on
 * it, then the connection is cut instead of the answer being relayed.
 */
export class FlakyProxy {
  private toDrop = 0;
  private droppedAnswers = 0;
  private readonly sockets = new Set<net.Socket>();

  private readonly server: net.Server;

  private constructor(target: URL) {
    this.server = net.createServer((client) => this.relay(client, net.connect(Number(target.port), target.hostname)));
  }

  /** A proxy on a free loopback port in front of the receiver at `target` (its base URL). */
  static async start(target: string): Promise<FlakyProxy> {
    const proxy = new FlakyProxy(new URL(target));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The receiver's base URL, through this proxy. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next `n` answers never arrive: each one's connection is cut instead. */
  dropAnswers(n: number): void {
    this.toDrop += n;
  }

  /** Answers cut so far. */
  get dropped(): number {
    return this.droppedAnswers;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket, upstream: net.Socket): void {
    this.sockets.add(client).add(upstream);
    // Requests on one connection take turns (no pipelining): the first bytes back after a request begin its answer.
    let answering = false;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => {
      answering = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!answering && this.toDrop > 0) {
        this.toDrop--;
        this.droppedAnswers++;
        return cut();
      }
      answering = true;
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    for (const socket of [client, upstream]) {
      socket.on('error', cut);
      socket.on('close', () => {
        this.sockets.delete(socket);
        cut();
      });
    }
  }
}
