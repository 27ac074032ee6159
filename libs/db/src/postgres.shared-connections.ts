import { setImmediate as nextTurn } from 'node:timers/promises';

/** What this file uses of a node-postgres Client made with `pipeline: true`. */
export interface PipelinedClient {
  connect(): Promise<void>;
  query(query: { text: string; values: unknown[]; name?: string }): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error' | 'end', listener: (err?: Error) => void): void;
  removeAllListeners(): void;
  readonly connection: { readonly stream: { cork(): void; uncork(): void } };
}

interface Shared {
  client: PipelinedClient;
  /** Settles once connected: statements wait for it, so a connection that cannot be made fails them. */
  ready: Promise<unknown>;
  connected: boolean;
  /** Whether its writes are held until the end of this turn of the event loop. */
  corked: boolean;
}

/**
 * A few connections that sections of single statements share instead of
 * taking one of the pool's each (`WriteOptions.autocommit`): a statement
 * outside a transaction needs no connection of its own, so it joins the
 * statements already in flight on one (pipelined, each with its own Sync, so
 * an error stays with its statement). Each connection runs its statements
 * one after the other, so many concurrent claims keep only a few server
 * processes busy instead of racing each other for the same index pages and
 * rows: that is where the measured saving is (bench/README.md). The
 * statements issued during one turn of the event loop leave in one write.
 *
 * A connection that fails is dropped (its statements in flight fail with it)
 * and made again on next use.
 */
export class SharedConnections {
  private readonly slots: (Shared | null)[];
  private next = 0;
  private closed = false;

  constructor(
    private readonly make: () => PipelinedClient,
    size: number,
  ) {
    this.slots = Array.from({ length: size }, () => null);
  }

  /** Runs one statement on the next shared connection, in turn. */
  query(query: { text: string; values: unknown[]; name?: string }): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the database connections are closed'));
    const i = this.next;
    this.next = (i + 1) % this.slots.length;
    const shared = this.slots[i] ?? this.open(i);
    if (!shared.connected) return shared.ready.then(() => shared.client.query(query));
    if (!shared.corked) {
      shared.corked = true;
      shared.client.connection.stream.cork();
      void nextTurn().then(() => {
        shared.corked = false;
        shared.client.connection.stream.uncork();
      });
    }
    return shared.client.query(query);
  }

  async end(): Promise<void> {
    this.closed = true;
    const open = this.slots.filter((s): s is Shared => s !== null);
    this.slots.fill(null);
    await Promise.all(open.map((s) => s.client.end().catch(() => undefined)));
  }

  private open(i: number): Shared {
    const client = this.make();
    const shared: Shared = { client, corked: false, connected: false, ready: client.connect() };
    const drop = () => {
      if (this.slots[i] === shared) this.slots[i] = null;
      client.removeAllListeners();
      // Keep a late error from crashing the process.
      client.on('error', () => undefined);
      client.end().catch(() => undefined);
    };
    client.on('error', drop);
    client.on('end', drop);
    shared.ready.then(
      () => (shared.connected = true),
      () => drop(),
    );
    this.slots[i] = shared;
    return shared;
  }
}
