import { Logger } from '@nestjs/common';
import type { Notifications } from './notifications';

/** What this file uses of node-postgres' Client. */
export interface PgListener {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): void;
  on(event: 'error' | 'end', listener: (err?: Error) => void): void;
  removeAllListeners(): void;
}

/** Waits between attempts to listen again, growing to the last. */
const RECONNECT_MS = [250, 1_000, 2_000, 5_000];

/**
 * `LISTEN`/`NOTIFY` on PostgreSQL. Notifications go through the executor's
 * pool like any statement (`send`); listening holds one connection of its own
 * (`connection` makes it: a pooled one would be handed to other work), made
 * again whenever it drops.
 */
export class PostgresNotifications implements Notifications {
  private readonly logger = new Logger('Notifications');
  private readonly channels = new Map<string, { onMessage: (payload: string) => void; onGap: () => void }>();
  private client: PgListener | null = null;
  private closed = false;
  private reconnect?: NodeJS.Timeout;

  constructor(
    private readonly connection: () => PgListener,
    private readonly send: (sql: string, params: unknown[]) => Promise<unknown>,
  ) {}

  async notify(channel: string, payload: string): Promise<void> {
    await this.send('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async listen(channel: string, onMessage: (payload: string) => void, onGap: () => void): Promise<void> {
    this.channels.set(channel, { onMessage, onGap });
    if (this.client) await this.client.query(`LISTEN ${quoteIdent(channel)}`);
    else await this.connect(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    const client = this.client;
    this.client = null;
    client?.removeAllListeners();
    await client?.end().catch(() => undefined);
  }

  private async connect(attempt: number): Promise<void> {
    const client = this.connection();
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      client.removeAllListeners();
      client.end().catch(() => undefined);
      this.logger.warn(`lost the connection that listens for other receivers' changes${err ? `: ${err.message}` : ''}; making it again`);
      this.retry(0);
    };
    try {
      await client.connect();
      client.on('notification', ({ channel, payload }) => this.channels.get(channel)?.onMessage(payload ?? ''));
      client.on('error', lost);
      client.on('end', lost);
      for (const channel of this.channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (err) {
      client.removeAllListeners();
      await client.end().catch(() => undefined);
      if (attempt === 0 && !this.client) throw err;
      this.retry(attempt);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // Whatever was sent while no connection listened is gone: listeners catch up.
    if (attempt > 0) for (const { onGap } of this.channels.values()) onGap();
  }

  private retry(attempt: number): void {
    if (this.closed) return;
    const wait = RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)];
    this.reconnect = setTimeout(() => void this.connect(attempt + 1), wait);
    this.reconnect.unref();
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
